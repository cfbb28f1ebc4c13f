import { formatDuration } from "@/lib/format";
import type { IncidentView } from "@/lib/timeline/incident-view";

// Post-mortem exports of an incident: pure functions of what its page shows.

/** The whole incident page as data: incident, events with the state of the cluster at each, notes. */
export function incidentJson(view: IncidentView, link: string): unknown {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const frames = new Map(view.frames.map((f) => [f.id, f]));
  return {
    incident: {
      ...view.incident,
      openedAt: iso(view.incident.openedAt),
      closedAt: iso(view.incident.closedAt),
      durationSeconds: Math.round(view.incident.durationMs / 1000),
      link,
    },
    events: view.events.map(({ frameId, ...e }) => {
      const frame = frameId === null ? undefined : frames.get(frameId);
      return {
        ...e,
        at: iso(e.at),
        stateThen: frame ? { at: iso(frame.at), verdict: frame.verdict, findings: frame.findings.filter((f) => f.severity !== "ok") } : null,
      };
    }),
    notes: view.notes.map((n) => ({ ...n, at: iso(n.at) })),
  };
}

const utc = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
const timeOnly = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * What people and hosts wrote, as literal text: every character Markdown or HTML would act on is
 * escaped, so a note or a host's message cannot add links, images, HTML or headings to the report.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/^([ \t]*)(-|=|\d+\.)/gm, (_m, space: string, mark: string) => `${space}\\${mark}`);
}

/** A table cell: one line, escaped. */
function cell(text: string | null | undefined): string {
  return escapeMarkdown((text ?? "").replace(/\r?\n/g, " ")) || "—";
}

/** Free text on one line of a list: escaped, with its own line breaks kept inside the item. */
function inline(text: string): string {
  return escapeMarkdown(text).replace(/\r?\n/g, "\n  ");
}

export function incidentMarkdown(view: IncidentView, link: string): string {
  const { incident, events, notes, frames } = view;
  const out: string[] = [];
  out.push(`# Incident ${incident.id}: ${inline(incident.title)}`, "");
  out.push("## Summary", "");
  out.push("| | |", "|---|---|");
  out.push(`| Cluster | ${cell(incident.clusterId)} |`);
  out.push(`| State | ${incident.state} |`);
  out.push(`| Severity | ${incident.severity} |`);
  out.push(`| Opened | ${utc(incident.openedAt)} |`);
  out.push(`| Closed | ${incident.closedAt === null ? "still open" : utc(incident.closedAt)} |`);
  out.push(`| Duration | ${formatDuration(incident.durationMs / 1000)}${incident.closedAt === null ? " so far" : ""} |`);
  out.push(`| Tiers | ${cell(incident.tiers.join(", "))} |`);
  out.push(`| Hosts | ${cell(incident.hosts.join(", "))} |`);
  out.push(`| Events | ${events.length} |`);
  out.push(`| Console | ${link} |`, "");

  out.push("## Timeline", "");
  if (events.length === 0) out.push("No events were recorded while it was open.", "");
  else {
    out.push(`| Time (UTC) | Severity | Tier | Host | What happened | Who |`, "|---|---|---|---|---|---|");
    for (const e of events) out.push(`| ${utc(e.at)} | ${e.severity} | ${e.tier} | ${cell(e.host)} | ${cell(e.message)} | ${cell(e.actor)} |`);
    out.push("");
  }

  out.push("## Critical findings seen", "");
  if (incident.findings.length === 0) out.push("None recorded.");
  for (const f of incident.findings) out.push(`- ${timeOnly(f.firstSeenAt)} UTC — ${inline(f.message)} (${f.tier}${f.hosts.length ? `; ${inline(f.hosts.join(", "))}` : ""})`);
  out.push("");

  const first = frames[0];
  if (first) {
    out.push(`## Redundancy when it began (${utc(first.at)})`, "");
    for (const s of first.verdict.servers) {
      out.push(`- If ${s.label} failed: ${s.survives ? "the other server would carry everything" : "Moodle would NOT survive"}${s.reasons.length ? `: ${inline(s.reasons.join("; "))}` : ""}`);
    }
    out.push("");
  }

  out.push("## Notes", "");
  if (notes.length === 0) out.push("No notes.");
  for (const n of notes) out.push(`- ${utc(n.at)} **${inline(n.author)}**: ${inline(n.text)}`);
  out.push("");
  return out.join("\n");
}
