"use client";

import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type TimelineFilters, filtersOf, searchOf } from "@/app/(console)/clusters/[clusterId]/timeline/search-params";
import { EventTable } from "@/components/timeline/event-table";
import { IncidentList } from "@/components/timeline/incident-list";
import { TimelineFilterForm } from "@/components/timeline/timeline-filters";
import { When } from "@/components/workflows/time";
import { incidentListQuery, timelineQuery } from "@/lib/queries/timeline";

export function Client({ clusterId, hosts, kinds, invalid }: { clusterId: string; hosts: string[]; kinds: string[]; invalid: string | null }) {
  const router = useRouter();
  const pathname = usePathname();
  const filters = filtersOf(useSearchParams());
  const search = searchOf(filters);
  const incidents = useQuery(incidentListQuery(clusterId));
  const page = useQuery({ ...timelineQuery(clusterId, search), enabled: invalid === null });
  const go = (next: TimelineFilters) => router.push(`${pathname}${searchOf(next) ? `?${searchOf(next)}` : ""}`);
  const filtered = Object.keys(filters).some((k) => k !== "cursor");

  return (
    <main className="tl">
      <div className="page-head">
        <h1>Timeline</h1>
        <span className="sub">what changed, who did what, and the incidents it added up to</span>
      </div>

      {incidents.data ? (
        <IncidentList clusterId={clusterId} incidents={incidents.data} />
      ) : (
        <div className="banner crit" role="alert">
          Could not load the incidents{incidents.error ? `: ${incidents.error.message}` : ""}.
        </div>
      )}

      <section className="panel" aria-labelledby="tl-events-title">
        <h2 id="tl-events-title">
          Events<span className="count">newest first{filters.cursor ? ", older page" : ", following live"}</span>
        </h2>
        {/* keyed by the URL so Back/Forward reset the form to the filters shown */}
        <TimelineFilterForm key={search} filters={filters} hosts={hosts} kinds={kinds} onApply={go} />
        {invalid ? (
          <div className="banner crit" role="alert" data-testid="filter-error">
            These filters cannot be used: {invalid}
          </div>
        ) : page.error ? (
          <div className="banner crit" role="alert" data-testid="filter-error">
            Could not load events: {page.error.message}
          </div>
        ) : page.data ? (
          <>
            {page.data.events.length === 0 ? (
              <p className="empty">{filtered ? "No event matches these filters" : "No events yet"}{page.data.searchedTo ? " in the part searched so far" : ""}.</p>
            ) : (
              <EventTable clusterId={clusterId} events={page.data.events} />
            )}
            <div className="tl-pager">
              {filters.cursor ? (
                <button type="button" className="link" onClick={() => go({ ...filters, cursor: undefined })}>
                  ← Newest
                </button>
              ) : null}
              {page.data.searchedTo ? (
                <span className="muted" data-testid="searched-to">
                  Searched back to <When at={page.data.searchedTo} />.
                </span>
              ) : null}
              {page.data.nextCursor ? (
                <button type="button" onClick={() => go({ ...filters, cursor: page.data.nextCursor ?? undefined })} data-testid="older">
                  {page.data.searchedTo ? "Search further back →" : "Older →"}
                </button>
              ) : (
                <span className="muted">{page.data.events.length > 0 ? "That is the oldest event." : ""}</span>
              )}
            </div>
          </>
        ) : (
          <p className="muted">Loading events…</p>
        )}
      </section>
    </main>
  );
}
