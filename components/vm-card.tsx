import type { Finding } from "@/lib/cluster/findings-types";
import type { HostState } from "@/lib/cluster/state";
import { type VmStatus, type VmTone, fullestDisk, vmStatus } from "@/lib/cluster/view-helpers";
import { formatDuration, formatNumber, formatPercent, severityOfPercent } from "@/lib/format";

const STATUS_WORDS: Record<VmStatus, string> = {
  up: "up",
  late: "late",
  stale: "stale",
  down: "not answering",
  "key-rejected": "host key refused",
  unknown: "connecting",
};

function Metric({ label, value, tone = "" }: { label: string; value: string; tone?: string }) {
  return (
    <div className="metric">
      <span className="label" title={label}>
        {label}
      </span>
      <span className={`value ${tone}`}>{value}</span>
    </div>
  );
}

/** One VM: reachability, load, memory, disk, uptime; coloured by its worst finding (`tone`). */
export function VmCard({ host, holdsVip, tone, findings = [], takenAt }: { host: HostState; holdsVip: boolean; tone: VmTone; findings?: readonly Finding[]; takenAt?: number }) {
  const status = vmStatus(host);
  const disk = fullestDisk(host);
  // a "not answering" finding usually quotes the host's error, already shown above it
  const shown = findings.filter((f) => f.severity !== "ok" && !(host.error && f.message.includes(host.error)));
  return (
    <article className="vm" data-status={status} data-tone={tone} data-testid={`vm-${host.name}`} aria-label={`${host.name} ${STATUS_WORDS[status]}`}>
      <div className="vm-head">
        <span className="vm-name">{host.name}</span>
        <span className="vm-role">{host.role}</span>
        {holdsVip ? <span className="vip-badge">VIP</span> : null}
        <span className="status-pill" data-status={status} data-testid={`vm-${host.name}-status`}>
          {STATUS_WORDS[status]}
        </span>
        <span className="vm-addr mono">{host.clusterAddress ?? ""}</span>
      </div>
      <div className="metrics">
        <Metric label="load 1m" value={formatNumber(host.load?.load1 ?? null)} />
        <Metric label="memory" value={formatPercent(host.memory?.usedPercent ?? null)} tone={severityOfPercent(host.memory?.usedPercent ?? null, 85, 95)} />
        <Metric label={disk ? `disk ${disk.mount}` : "disk"} value={formatPercent(disk?.usedPercent ?? null)} tone={severityOfPercent(disk?.usedPercent ?? null, 80, 90)} />
        <Metric label="up" value={host.upSeconds === null ? "—" : formatDuration(host.upSeconds)} />
      </div>
      {status === "late" && host.lastSeenAt !== null && takenAt !== undefined ? (
        <div className="vm-error" data-testid={`vm-${host.name}-late`}>
          no answer for {Math.max(0, (takenAt - host.lastSeenAt) / 1000).toFixed(1)} s (frozen, overloaded or cut off?); “not answering” once the poll times out
        </div>
      ) : null}
      {host.error ? <div className="vm-error">{host.error}</div> : null}
      {shown.length > 0 ? (
        <ul className="vm-findings">
          {shown.map((f) => (
            <li key={f.id} data-severity={f.severity}>
              {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {host.problems.map((p) => (
        <div key={p.probe} className="vm-note">
          {p.probe}: {p.problem}
        </div>
      ))}
    </article>
  );
}
