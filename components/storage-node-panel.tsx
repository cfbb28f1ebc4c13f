import { Kv, type Tone } from "@/components/kv";
import { ProgressBar } from "@/components/progress-bar";
import { SilentNote } from "@/components/silent-note";
import type { DrbdResourceState, StorageState } from "@/lib/cluster/state";
import { formatKb, isSilent, resyncOf } from "@/lib/cluster/view-helpers";
import { formatDuration } from "@/lib/format";

function diskTone(disk: string | null): Tone | null {
  if (disk === null) return null;
  if (disk === "UpToDate") return "ok";
  if (/^(Inconsistent|Outdated|Failed|Diskless|DUnknown)$/.test(disk)) return "crit";
  return "warn";
}

function connectionTone(connection: string): Tone {
  return connection === "Connected" ? "ok" : /^(Connecting|WFConnection)$/.test(connection) ? "warn" : "crit";
}

function DrbdResource({ r, node, splitBrain }: { r: DrbdResourceState; node: string; splitBrain: boolean }) {
  const resync = resyncOf(r);
  return (
    <div className="drbd-resource" data-testid={`drbd-${node}-${r.resource}`}>
      <h3 className="sub-title">
        DRBD <span className="mono">{r.resource}</span>
      </h3>
      <dl className="kv">
        <Kv label="role" tone={r.role === "Primary" ? (splitBrain ? "crit" : "ok") : null} testId={`drbd-${node}-${r.resource}-role`}>
          {r.role}
        </Kv>
        {splitBrain && r.role === "Primary" ? (
          <Kv label="split brain" tone="crit">
            the peer is Primary too
          </Kv>
        ) : null}
        <Kv label="disk" tone={diskTone(r.disk)}>
          {r.disk}
        </Kv>
        <Kv label="out of sync" tone={r.outOfSyncKb ? "warn" : null}>
          {formatKb(r.outOfSyncKb)}
        </Kv>
      </dl>
      {r.peers.length === 0 ? <p className="problem">no peer configured</p> : null}
      {r.peers.map((p) => (
        <dl className="kv peer" key={p.name}>
          <Kv label={`peer ${p.name}: connection`} tone={connectionTone(p.connection)}>
            {p.connection}
          </Kv>
          <Kv label="replication" tone={p.replication === "Established" ? "ok" : p.replication === null ? null : "warn"}>
            {p.replication ?? "unknown"}
          </Kv>
          <Kv label="peer role / disk" tone={diskTone(p.disk)}>
            {p.role ?? "unknown"} / {p.disk ?? "unknown"}
          </Kv>
        </dl>
      ))}
      {resync ? (
        <div className="resync" data-testid={`resync-${node}-${r.resource}`}>
          <div className="resync-line">
            <span>
              {resync.replication} with {resync.peer}: <strong>{resync.percent === null ? "unknown" : `${resync.percent.toFixed(1)} %`}</strong>
            </span>
            <span className="muted">
              {resync.etaSeconds === null ? "ETA unknown" : `ETA ${formatDuration(resync.etaSeconds)}`}
              {resync.speedKbps === null ? "" : ` · ${formatKb(resync.speedKbps)}/s`}
            </span>
          </div>
          <ProgressBar percent={resync.percent} label={`resync of ${r.resource}`} tone="warn" />
        </div>
      ) : null}
    </div>
  );
}

/** One file server: its DRBD resources as it sees them, and what it exports over NFS. */
export function StorageNodePanel({
  node,
  takenAt,
  nfsAddressKnown,
  nfsContested,
  splitBrain,
}: {
  node: StorageState;
  takenAt: number;
  nfsAddressKnown: boolean;
  /** more than one file server holds the NFS address */
  nfsContested: boolean;
  /** resources both peers call Primary */
  splitBrain: string[];
}) {
  const silent = isSilent(node);
  return (
    <section className="panel" data-testid={`storage-${node.name}`} data-silent={silent ? "true" : undefined}>
      <h2>
        {node.name}
        <span className="muted"> · server {node.server}</span>
        {nfsAddressKnown && node.holdsNfsAddress ? <span className={nfsContested ? "badge badge-crit" : "badge badge-accent"}>holds the NFS address</span> : null}
      </h2>
      <SilentNote of={node} takenAt={takenAt} />
      {node.drbd.length === 0 ? <p className="muted empty">No DRBD resources read.</p> : node.drbd.map((r) => <DrbdResource key={r.resource} r={r} node={node.name} splitBrain={splitBrain.includes(r.resource)} />)}
      <h3 className="sub-title">NFS exports</h3>
      {node.exports === null ? (
        <p className="muted empty">unknown (exportfs could not be read)</p>
      ) : node.exports.length === 0 ? (
        <p className="muted empty">nothing exported</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>path</th>
              <th>client</th>
              <th>options</th>
            </tr>
          </thead>
          <tbody>
            {node.exports.map((e) => (
              <tr key={`${e.path} ${e.client}`}>
                <td className="mono">{e.path}</td>
                <td className="mono">{e.client}</td>
                <td className="mono wrap">
                  {e.readOnly ? <span className="tone-warn">ro </span> : null}
                  {e.options.join(",")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
