"use client";

import { ChartSection } from "@/components/chart-section";
import { ConnectionsChart } from "@/components/charts/connections-chart";
import { SessionsChart } from "@/components/charts/sessions-chart";
import { FindingsList } from "@/components/findings-list";
import { Kv } from "@/components/kv";
import { LoadFailed, PageHead } from "@/components/page-head";
import { WebNodePanel } from "@/components/web-node-panel";
import { codeDrift, findingsOfTier, formatCount, maintenanceSource, sessionCounts, versionsDiffer } from "@/lib/cluster/view-helpers";
import { formatDuration } from "@/lib/format";
import { useClusterView } from "@/lib/queries/use-cluster-view";

export function Client({ clusterId, staleAfterSeconds }: { clusterId: string; staleAfterSeconds: number }) {
  const { data, error, dataUpdatedAt } = useClusterView(clusterId);
  if (!data) return <LoadFailed what="the web nodes" error={error} />;
  const { state, findings } = data;
  const drift = codeDrift(state.web);
  const versions = versionsDiffer(state.web);
  const sessions = sessionCounts(state.web, state.databases);
  const maintenance = maintenanceSource(state);
  const timeout = state.moodle ? formatDuration(state.moodle.settings.sessionTimeoutSeconds) : "8 h";
  return (
    <main>
      <PageHead title="Web nodes" takenAt={state.takenAt} staleAfterSeconds={staleAfterSeconds} offline={Boolean(error && dataUpdatedAt)}>
        <span className={drift.differ ? "problem" : "sub"} data-testid="code-line">
          {drift.differ ? "nodes serve different code" : drift.common ? "all nodes serve the same code" : "code fingerprint unknown"}
          {maintenance.on ? ` · maintenance mode ON: ${maintenance.text}` : ""}
        </span>
      </PageHead>
      <FindingsList findings={findingsOfTier(findings, "web")} title="Web findings" empty="Nothing wrong with the web nodes." />
      <section className="panel" data-testid="sessions">
        <h2>Sessions</h2>
        <dl className="kv kv-wide">
          <Kv label={`in the database (cluster-wide${sessions.databaseFrom ? `, from ${sessions.databaseFrom}` : ""})`} testId="sessions-database">
            {sessions.databaseFrom ? formatCount(sessions.database) : "unknown (no single source database)"}
          </Kv>
          {sessions.sharedFolder !== null ? (
            <Kv label={`in files in ${sessions.sharedFolder}, shared by every node over NFS (counted once)`} testId="sessions-files-shared">
              {formatCount(sessions.fileTotal)}
            </Kv>
          ) : (
            <>
              {sessions.fileByNode.map((n) => (
                <Kv key={n.node} label={`in files on ${n.node}`}>
                  {n.handler === "file" ? formatCount(n.files) : <span className="muted">— ({n.handler ?? "unknown"} handler)</span>}
                </Kv>
              ))}
              {sessions.fileTotal !== null ? <Kv label="file sessions, all nodes">{formatCount(sessions.fileTotal)}</Kv> : null}
            </>
          )}
          <Kv label="what the counts are">
            <span className="muted">
              sessions not yet expired (touched within the session timeout, {timeout}), anonymous visitors&apos; included: every page view without a login
              starts one. Not a count of people logged in.
            </span>
          </Kv>
          <Kv label="maintenance page" tone={maintenance.on ? "warn" : null} testId="maintenance-source">
            {maintenance.text}
            {state.moodle?.settings.maintenanceLater ? ` · announced for ${new Date(state.moodle.settings.maintenanceLater * 1000).toLocaleString()}` : ""}
          </Kv>
        </dl>
      </section>
      <div className="side-by-side">
        {state.web.map((w) => (
          <WebNodePanel
            key={w.name}
            node={w}
            takenAt={state.takenAt}
            fingerprint={drift.byNode[w.name] ?? "unknown"}
            versionDiffers={versions}
            sharedSessionFolder={sessions.sharedFolder}
          />
        ))}
      </div>
      <ChartSection>
        {(range) => (
          <>
            <SessionsChart clusterId={clusterId} range={range} />
            <ConnectionsChart clusterId={clusterId} range={range} />
          </>
        )}
      </ChartSection>
    </main>
  );
}
