import { Kv } from "@/components/kv";
import { SilentNote } from "@/components/silent-note";
import type { WebState } from "@/lib/cluster/state";
import { type FingerprintMark, formatCount, isSilent, yesNo } from "@/lib/cluster/view-helpers";
import { formatDuration, formatNumber } from "@/lib/format";

/** One web node: Apache, the Moodle it serves, its sessions and its moodledata mount. */
export function WebNodePanel({ node, takenAt, fingerprint, versionDiffers }: { node: WebState; takenAt: number; fingerprint: FingerprintMark; versionDiffers: boolean }) {
  const { apache, moodle, nfs } = node;
  const status = apache.status;
  const silent = isSilent(node);
  return (
    <section className="panel" data-testid={`web-${node.name}`} data-silent={silent ? "true" : undefined}>
      <h2>
        {node.name}
        <span className="muted"> · server {node.server}</span>
        {node.clusterAddress ? <span className="muted mono"> · {node.clusterAddress}</span> : null}
      </h2>
      <SilentNote of={node} takenAt={takenAt} />
      <h3 className="sub-title">Apache</h3>
      <dl className="kv">
        <Kv label="service" tone={apache.active === null ? null : apache.active ? "ok" : "crit"} testId={`web-${node.name}-apache`}>
          {apache.active === null ? "unknown" : apache.active ? "active" : "not active"}
        </Kv>
        <Kv label="busy / idle workers">{status ? `${formatCount(status.busyWorkers)} / ${formatCount(status.idleWorkers)}` : "—"}</Kv>
        <Kv label="requests / s">{formatNumber(status?.requestsPerSecond ?? null)}</Kv>
        <Kv label="connections">{formatCount(status?.connsTotal)}</Kv>
        <Kv label="MPM · uptime">
          {status ? `${status.mpm ?? "?"} · ${status.uptimeSeconds === null ? "—" : formatDuration(status.uptimeSeconds)}` : "—"}
        </Kv>
      </dl>
      <h3 className="sub-title">Moodle</h3>
      <dl className="kv">
        <Kv label="version" tone={versionDiffers ? "warn" : null}>
          {moodle ? <span className="mono">{moodle.version}</span> : "unknown"}
          {versionDiffers ? " — differs between nodes" : ""}
        </Kv>
        <Kv label="release">{moodle?.release ?? "unknown"}</Kv>
        <Kv label="code fingerprint" tone={fingerprint === "differs" ? "crit" : null} testId={`web-${node.name}-fingerprint`}>
          <span className="mono" data-fingerprint={fingerprint}>
            {node.codeFingerprint ?? "unknown"}
          </span>
          {fingerprint === "differs" ? " — serves different code from the other nodes" : ""}
        </Kv>
        <Kv label="maintenance mode" tone={node.maintenance ? "warn" : null}>
          {yesNo(node.maintenance, "ON (climaintenance.html)", "off")}
        </Kv>
        <Kv label="session handler">{node.sessionHandler ?? "unknown"}</Kv>
        <Kv label="file sessions here">
          {node.sessionHandler === "file" ? (
            formatCount(node.fileSessions)
          ) : node.sessionHandler === null ? (
            "unknown"
          ) : (
            <span className="muted">— (sessions are not in files)</span>
          )}
        </Kv>
      </dl>
      <h3 className="sub-title">moodledata mount</h3>
      <dl className="kv">
        <Kv label="mounted" tone={nfs === null ? null : nfs.mounted ? "ok" : "crit"} testId={`web-${node.name}-nfs`}>
          {nfs === null ? "unknown" : nfs.mounted ? "yes" : "NO"}
        </Kv>
        <Kv label="source">{nfs?.source ? <span className="mono">{nfs.source}</span> : "—"}</Kv>
        <Kv label="type">{nfs?.fstype ?? "—"}</Kv>
      </dl>
    </section>
  );
}
