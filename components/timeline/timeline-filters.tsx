"use client";

import { type FormEvent, useState } from "react";
import type { TimelineFilters } from "@/app/(console)/clusters/[clusterId]/timeline/search-params";
import { EVENT_TIERS } from "@/lib/cluster/transitions";

const SEVERITY_CHOICES = [
  ["", "any"],
  ["warning,critical", "warning or critical"],
  ["critical", "critical"],
  ["warning", "warning"],
  ["info", "info"],
] as const;

/** epoch ms as a datetime-local value in the browser's zone, and back */
function toLocalInput(ms: string | undefined): string {
  if (!ms || !/^\d+$/.test(ms)) return "";
  const d = new Date(Number(ms));
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function fromLocalInput(value: string): string | undefined {
  const ms = value ? new Date(value).getTime() : Number.NaN;
  return Number.isFinite(ms) ? String(ms) : undefined;
}

/** The timeline's filters; applying them starts again from the newest page. */
export function TimelineFilterForm({
  filters,
  hosts,
  kinds,
  onApply,
}: {
  filters: TimelineFilters;
  hosts: string[];
  kinds: string[];
  onApply: (filters: TimelineFilters) => void;
}) {
  const [draft, setDraft] = useState(() => ({ ...filters, from: toLocalInput(filters.from), to: toLocalInput(filters.to) }));
  const set = (key: keyof TimelineFilters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));

  function submit(e: FormEvent) {
    e.preventDefault();
    onApply({ ...draft, from: fromLocalInput(draft.from ?? ""), to: fromLocalInput(draft.to ?? ""), cursor: undefined });
  }

  return (
    <form className="tl-filters" onSubmit={submit} role="search" aria-label="Filter events">
      <label>
        Search
        <input type="search" value={draft.q ?? ""} onChange={set("q")} placeholder="words in the message" maxLength={100} data-testid="filter-q" />
      </label>
      <label>
        Tier
        <select value={draft.tier ?? ""} onChange={set("tier")} data-testid="filter-tier">
          <option value="">any</option>
          {EVENT_TIERS.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label>
        Host
        <select value={draft.host ?? ""} onChange={set("host")} data-testid="filter-host">
          <option value="">any</option>
          {hosts.map((h) => (
            <option key={h}>{h}</option>
          ))}
        </select>
      </label>
      <label>
        Severity
        <select value={draft.severity ?? ""} onChange={set("severity")} data-testid="filter-severity">
          {SEVERITY_CHOICES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Kind
        <select value={draft.kind ?? ""} onChange={set("kind")} data-testid="filter-kind">
          <option value="">any</option>
          {kinds.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="datetime-local" value={draft.from ?? ""} onChange={set("from")} data-testid="filter-from" />
      </label>
      <label>
        To
        <input type="datetime-local" value={draft.to ?? ""} onChange={set("to")} data-testid="filter-to" />
      </label>
      <div className="tl-filter-actions">
        <button type="submit" data-testid="filter-apply">
          Apply
        </button>
        <button type="button" className="link" onClick={() => onApply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}
