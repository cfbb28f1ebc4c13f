import type { VmStatus, VmView } from "@/lib/cluster/overview";
import { formatDuration, formatNumber, formatPercent, severityOfPercent } from "@/lib/format";

const STATUS_WORDS: Record<VmStatus, string> = {
  up: "up",
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

export function VmCard({ vm }: { vm: VmView }) {
  return (
    <article className="vm" data-status={vm.status} data-testid={`vm-${vm.name}`} aria-label={`${vm.name} ${STATUS_WORDS[vm.status]}`}>
      <div className="vm-head">
        <span className="vm-name">{vm.name}</span>
        <span className="vm-role">{vm.role}</span>
        {vm.holdsVip ? <span className="vip-badge">VIP</span> : null}
        <span className="status-pill" data-status={vm.status} data-testid={`vm-${vm.name}-status`}>
          {STATUS_WORDS[vm.status]}
        </span>
        <span className="vm-addr mono">{vm.clusterAddress ?? ""}</span>
      </div>
      <div className="metrics">
        <Metric label="load 1m" value={formatNumber(vm.load1)} />
        <Metric label="memory" value={formatPercent(vm.memUsedPercent)} tone={severityOfPercent(vm.memUsedPercent, 85, 95)} />
        <Metric label={vm.diskMount ? `disk ${vm.diskMount}` : "disk"} value={formatPercent(vm.diskUsedPercent)} tone={severityOfPercent(vm.diskUsedPercent, 80, 90)} />
        <Metric label="up" value={vm.upSeconds === null ? "—" : formatDuration(vm.upSeconds)} />
      </div>
      {vm.error ? <div className="vm-error">{vm.error}</div> : null}
      {vm.probeProblems.map((p) => (
        <div key={p.probe} className="vm-note">
          {p.probe}: {p.problem}
        </div>
      ))}
    </article>
  );
}
