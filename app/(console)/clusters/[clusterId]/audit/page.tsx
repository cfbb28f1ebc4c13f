import Form from "next/form";
import Link from "next/link";
import { AuditTable } from "@/app/(console)/clusters/[clusterId]/audit/audit-table";
import { Client } from "@/app/(console)/clusters/[clusterId]/audit/client";
import { When } from "@/components/workflows/time";
import { requirePageOperator } from "@/lib/auth/current";
import { hasRole } from "@/lib/auth/roles";
import { AUDIT_KINDS, AUDIT_OUTCOMES, type AuditFilters, type AuditQuery, auditFiltersOf, auditQueryOf, auditSearchOf } from "@/lib/audit/filters";
import { probeSummaryFor } from "@/lib/audit/probe-summary";
import { auditActors, oldestAuditRow, queryAudit } from "@/lib/audit/query";
import { MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, getAuditRetention } from "@/lib/audit/retention";
import { AppError } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";
import { clusterPageMetadata } from "@/lib/queries/prefetch-cluster";

export const dynamic = "force-dynamic";

export const generateMetadata = clusterPageMetadata("Audit");

interface AuditPageProps {
  params: Promise<{ clusterId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function AuditPage({ params, searchParams }: AuditPageProps) {
  const operator = await requirePageOperator();
  const { clusterId } = await params;
  const cluster = getCluster(clusterId);
  const filters = auditFiltersOf(await searchParams);
  let query: AuditQuery | null = null;
  let invalid: string | null = null;
  try {
    query = auditQueryOf(new URLSearchParams(auditSearchOf(filters)));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    invalid = err.message;
  }
  const [page, actors, retention, oldest, probes] = await Promise.all([
    query ? queryAudit(clusterId, query) : null,
    auditActors(clusterId),
    getAuditRetention(),
    oldestAuditRow(clusterId),
    probeSummaryFor(clusterId, { from: query?.from, to: query?.to }),
  ]);
  const base = `/clusters/${encodeURIComponent(clusterId)}/audit`;
  const link = (f: AuditFilters) => (auditSearchOf(f) ? `${base}?${auditSearchOf(f)}` : base);
  const exportUrl = (format: "csv" | "json") => {
    const search = auditSearchOf({ ...filters, cursor: undefined });
    return `/api/clusters/${encodeURIComponent(clusterId)}/audit/export?format=${format}${search ? `&${search}` : ""}`;
  };
  const filtered = Object.keys(filters).some((k) => k !== "cursor");

  return (
    <main className="tl audit">
      <div className="page-head">
        <h1>Audit</h1>
        <span className="sub">every command ClusterDeck ran on a host for a person or a workflow: who, why, where, and what it answered</span>
      </div>

      <section className="panel" aria-labelledby="audit-runs-title">
        <h2 id="audit-runs-title">
          Commands<span className="count">newest first{filters.cursor ? ", older page" : ""}</span>
        </h2>
        <Form action={base} className="tl-filters" role="search" aria-label="Filter commands" key={auditSearchOf(filters)}>
          <label>
            Who
            <select name="actor" defaultValue={filters.actor ?? ""} data-testid="filter-actor">
              <option value="">anyone</option>
              {[...new Set([...actors, ...(filters.actor ? [filters.actor] : [])])].map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </label>
          <label>
            Host
            <select name="host" defaultValue={filters.host ?? ""} data-testid="filter-host">
              <option value="">any</option>
              {cluster.hosts.map((h) => (
                <option key={h.name}>{h.name}</option>
              ))}
            </select>
          </label>
          <label>
            Why
            <select name="kind" defaultValue={filters.kind ?? ""} data-testid="filter-kind">
              <option value="">any</option>
              {AUDIT_KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label>
            Outcome
            <select name="outcome" defaultValue={filters.outcome ?? ""} data-testid="filter-outcome">
              <option value="">any</option>
              {AUDIT_OUTCOMES.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </label>
          <label>
            Command contains
            <input name="q" type="search" defaultValue={filters.q ?? ""} maxLength={200} data-testid="filter-q" />
          </label>
          <label>
            From (UTC)
            <input name="from" type="text" defaultValue={filters.from ?? ""} placeholder="2026-11-01" size={16} data-testid="filter-from" />
          </label>
          <label>
            To (UTC)
            <input name="to" type="text" defaultValue={filters.to ?? ""} placeholder="2026-11-30" size={16} data-testid="filter-to" />
          </label>
          <div className="tl-filter-actions">
            <button type="submit" className="primary" data-testid="filter-apply">
              Apply
            </button>
            {filtered ? (
              <Link href={base} data-testid="filter-clear">
                Clear
              </Link>
            ) : null}
          </div>
        </Form>
        <p className="muted">
          Download {filtered ? "these filtered rows" : "every row"}:{" "}
          <a href={exportUrl("csv")} download data-testid="export-csv">
            CSV
          </a>{" "}
          ·{" "}
          <a href={exportUrl("json")} download data-testid="export-json">
            JSON
          </a>
        </p>
        {invalid ? (
          <div className="banner crit" role="alert" data-testid="filter-error">
            These filters cannot be used: {invalid}
          </div>
        ) : page ? (
          <>
            {page.rows.length === 0 ? (
              <p className="empty" data-testid="audit-empty">
                {filtered ? "No command matches these filters." : "No command has been run on a host for a person or a workflow yet."}
              </p>
            ) : (
              <AuditTable clusterId={clusterId} rows={page.rows} />
            )}
            <div className="tl-pager">
              {filters.cursor ? (
                <Link href={link({ ...filters, cursor: undefined })} data-testid="newest">
                  ← Newest
                </Link>
              ) : null}
              {page.nextCursor ? (
                <Link href={link({ ...filters, cursor: page.nextCursor })} data-testid="older">
                  Older →
                </Link>
              ) : (
                <span className="muted">{page.rows.length > 0 ? "That is the oldest command kept." : ""}</span>
              )}
            </div>
          </>
        ) : null}
      </section>

      <section className="panel" aria-labelledby="audit-probes-title">
        <h2 id="audit-probes-title">
          Routine reads<span className="count">counted per host and hour, {query?.from || query?.to ? "in the range above" : "in the last 24 hours"}</span>
        </h2>
        <p className="muted">The console polls every host every few seconds; those reads are counted here rather than kept one by one.</p>
        {probes.length === 0 ? (
          <p className="empty" data-testid="probe-summary-empty">
            No reads counted in this range yet (counts are written once a minute).
          </p>
        ) : (
          <div className="table-scroll">
            <table className="tl-table" data-testid="probe-summary">
              <thead>
                <tr>
                  <th>Host</th>
                  <th className="num">Reads</th>
                  <th className="num">Failed</th>
                  <th className="num">Mean</th>
                  <th>Last read in the hour of</th>
                  <th>Last failure</th>
                </tr>
              </thead>
              <tbody>
                {probes.map((p) => (
                  <tr key={p.host} data-testid="probe-summary-row" data-host={p.host}>
                    <td>{p.host}</td>
                    <td className="num">{p.reads}</td>
                    <td className="num">{p.failures}</td>
                    <td className="num">{p.meanMs} ms</td>
                    <td>
                      <When at={p.lastHour} />
                    </td>
                    <td>
                      {p.lastError ? (
                        <>
                          <span className="mono">{p.lastError}</span>
                          {p.lastErrorHour !== null ? (
                            <span className="muted">
                              {" "}
                              (hour of <When at={p.lastErrorHour} />)
                            </span>
                          ) : null}
                        </>
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="audit-retention-title">
        <h2 id="audit-retention-title">Retention</h2>
        <p data-testid="retention-current">
          Command runs and probe summaries are kept for <strong>{retention.days} days</strong>, then removed by an hourly prune; nothing
          else deletes them.
          {retention.updatedAt ? (
            <span className="muted">
              {" "}
              (set <When at={retention.updatedAt} />
              {retention.updatedBy ? ` by ${retention.updatedBy}` : ""})
            </span>
          ) : (
            <span className="muted"> (the default)</span>
          )}
        </p>
        <p data-testid="retention-oldest">
          {oldest === null ? (
            "No command run is kept for this cluster yet."
          ) : (
            <>
              The oldest command run kept: <When at={oldest} />.
            </>
          )}
        </p>
        {hasRole(operator.role, "admin") ? (
          <Client retention={retention} min={MIN_RETENTION_DAYS} max={MAX_RETENTION_DAYS} />
        ) : (
          <p className="muted">Only an admin may change how long the audit is kept.</p>
        )}
      </section>
    </main>
  );
}
