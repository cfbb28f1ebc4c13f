import { Kv } from "@/components/kv";
import { SilentNote } from "@/components/silent-note";
import type { WebState } from "@/lib/cluster/state";
import { type FingerprintMark, formatCount, isSilent, phpHandlerText, yesNo } from "@/lib/cluster/view-helpers";
import { formatDuration, formatNumber } from "@/lib/format";

/** One web node: Apache, the Moodle it serves, its sessions and its moodledata mount. */
export function WebNodePanel({
  node,
  takenAt,
  fingerprint,
  versionDiffers,
  sharedSessionFolder,
}: {
  node: WebState;
  takenAt: number;
  fingerprint: FingerprintMark;
  versionDiffers: boolean;
  /** the session folder every node shares over NFS, when they do: its count is the cluster's, not this node's */
  sharedSessionFolder: string | null;
}) {
  const { apache, moodle, nfs, sessionStore: store } = node;
  const rate = apache.requestRate;
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
        <Kv label="requests / s" testId={`web-${node.name}-rate`}>
          {rate?.perSecond != null ? formatNumber(rate.perSecond, 1) : <span className="muted">— ({rate?.reason ?? "no status"})</span>}
          {status?.requestsPerSecond != null ? <span className="muted"> · {formatNumber(status.requestsPerSecond, 2)} since Apache started</span> : null}
        </Kv>
        <Kv label="connections">{formatCount(status?.connsTotal)}</Kv>
        <Kv label="PHP" tone={node.php?.handler === "php-fpm" && !node.php.fpmRunning ? "crit" : null} testId={`web-${node.name}-php`}>
          {phpHandlerText(node.php)}
        </Kv>
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
        <Kv label="wwwroot">{node.wwwroot ? <span className="mono">{node.wwwroot}</span> : "unknown"}</Kv>
        <Kv label="maintenance page" tone={node.maintenance ? "warn" : null} testId={`web-${node.name}-maintenance`}>
          {node.maintenance === true
            ? node.maintenanceCli
              ? "ON: climaintenance.html (CLI maintenance mode)"
              : "ON: switched on in Site administration"
            : yesNo(node.maintenance, "ON", "off")}
        </Kv>
        <Kv label="sessions kept" testId={`web-${node.name}-sessions`}>
          {store === null ? (
            "unknown"
          ) : (
            <>
              {store.kind === "file" ? "in files" : store.kind === "database" ? "in the database (mdl_sessions)" : store.kind === "redis" ? "in Redis" : store.kind === "memcached" ? "in memcached" : store.className}
              {store.location ? <span className="mono"> {store.location}</span> : null}
              <span className="muted"> · decided by {store.decidedBy}</span>
            </>
          )}
        </Kv>
        <Kv label="session files">
          {node.sessionHandler === "file" ? (
            sharedSessionFolder !== null ? (
              <>
                {formatCount(node.fileSessions)} <span className="muted">in the folder all nodes share (the cluster's, not this node's)</span>
              </>
            ) : (
              formatCount(node.fileSessions)
            )
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
