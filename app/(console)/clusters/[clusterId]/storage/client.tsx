"use client";

import { ChartSection } from "@/components/chart-section";
import { DrbdResyncChart } from "@/components/charts/drbd-resync-chart";
import { FindingsList } from "@/components/findings-list";
import { LoadFailed, PageHead } from "@/components/page-head";
import { StorageNodePanel } from "@/components/storage-node-panel";
import { dualPrimaries, findingsOfTier, isSilent, nfsHolders } from "@/lib/cluster/view-helpers";
import { useClusterView } from "@/lib/queries/use-cluster-view";

export function Client({ clusterId, staleAfterSeconds }: { clusterId: string; staleAfterSeconds: number }) {
  const { data, error, dataUpdatedAt } = useClusterView(clusterId);
  if (!data) return <LoadFailed what="the file servers" error={error} />;
  const { state, findings } = data;
  const holders = nfsHolders(state.storage);
  const nfsAddressKnown = state.storage.some((s) => s.holdsNfsAddress);
  const splitBrain = dualPrimaries(state.storage);
  return (
    <main>
      <PageHead title="Storage" takenAt={state.takenAt} staleAfterSeconds={staleAfterSeconds} offline={Boolean(error && dataUpdatedAt)}>
        <span className={holders.length === 1 ? "sub" : "problem"} data-testid="nfs-line">
          {holders.length === 1
            ? `NFS address on ${holders[0]}`
            : holders.length === 0
              ? "no file server is known to hold the NFS address"
              : `NFS address on ${holders.join(" and ")} at once`}
        </span>
      </PageHead>
      <FindingsList findings={findingsOfTier(findings, "storage")} title="Storage findings" empty="Nothing wrong with storage." />
      <div className="side-by-side">
        {state.storage.map((s) => (
          <StorageNodePanel
            key={s.name}
            node={s}
            takenAt={state.takenAt}
            nfsAddressKnown={nfsAddressKnown}
            nfsContested={holders.length > 1}
            splitBrain={splitBrain}
          />
        ))}
      </div>
      <section className="panel" data-testid="web-mounts">
        <h2>moodledata on the web nodes</h2>
        <table>
          <thead>
            <tr>
              <th>web node</th>
              <th>mounted</th>
              <th>source</th>
              <th>type</th>
            </tr>
          </thead>
          <tbody>
            {state.web.map((w) => (
              <tr key={w.name} data-testid={`mount-${w.name}`} data-silent={isSilent(w) ? "true" : undefined}>
                <td>
                  {w.name}
                  {isSilent(w) ? <span className="muted"> (not answering{w.error ? `: ${w.error}` : ""})</span> : null}
                </td>
                <td className={w.nfs === null ? "" : w.nfs.mounted ? "tone-ok" : "tone-crit"}>{w.nfs === null ? "unknown" : w.nfs.mounted ? "yes" : "NO"}</td>
                <td className="mono">{w.nfs?.source ?? "—"}</td>
                <td>{w.nfs?.fstype ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <ChartSection>{(range) => <DrbdResyncChart clusterId={clusterId} range={range} />}</ChartSection>
    </main>
  );
}
