import type { ClusterView } from "@/lib/cluster/findings-types";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { type StepDef, StepFailed, guard } from "@/lib/workflows/definition";
import type { GuardResult } from "@/lib/workflows/types";

/** Checks before a change that touches the data: replication caught up, DRBD in sync on both sides. */

export function replicationProblem(view: ClusterView, cluster: ClusterSpec): { replica: string | null; problem: string | null; detail: string } {
  const replicas = view.state.databases.filter((d) => d.replication?.isReplica === true);
  const replica = replicas[0];
  if (!replica) return { replica: null, problem: "no database is replicating (no replica to fail over to, nowhere to take the dump)", detail: "" };
  if (!replica.reachable || replica.stale) return { replica: replica.name, problem: `${replica.name} does not answer`, detail: "" };
  const ch = replica.replication?.channel;
  if (!ch) return { replica: replica.name, problem: `${replica.name}: replication status not known`, detail: "" };
  if (ch.ioRunning !== "Yes" || ch.sqlRunning !== "Yes") {
    const error = ch.lastSqlError || ch.lastIoError;
    return { replica: replica.name, problem: `${replica.name}: replication threads IO ${ch.ioRunning}, SQL ${ch.sqlRunning}${error ? ` (${error})` : ""}`, detail: "" };
  }
  if (replica.readOnly === false) {
    return { replica: replica.name, problem: `${replica.name} replicates but is writable (read_only OFF): a write there is on no other server and stops replication`, detail: "" };
  }
  const lag = replica.heartbeatLagSeconds ?? ch.secondsBehind;
  if (lag === null) return { replica: replica.name, problem: `${replica.name}: lag not known`, detail: "" };
  if (lag > cluster.thresholds.replicationLagSeconds) {
    return { replica: replica.name, problem: `${replica.name} is ${Math.round(lag)} s behind (limit ${cluster.thresholds.replicationLagSeconds} s)`, detail: "" };
  }
  return { replica: replica.name, problem: null, detail: `${replica.name} replicates, ${lag.toFixed(1)} s behind` };
}

export function drbdProblem(view: ClusterView): { problem: string | null; detail: string } {
  if (view.state.storage.length === 0) return { problem: "no file server in the cluster view", detail: "" };
  const problems: string[] = [];
  const seen: string[] = [];
  for (const fs of view.state.storage) {
    if (!fs.reachable || fs.stale) {
      problems.push(`${fs.name} does not answer`);
      continue;
    }
    for (const r of fs.drbd) {
      const peer = r.peers[0];
      if (r.disk !== "UpToDate") problems.push(`${fs.name} ${r.resource}: local disk ${r.disk}`);
      if (!peer || peer.disk !== "UpToDate" || peer.connection !== "Connected") {
        problems.push(`${fs.name} ${r.resource}: peer ${peer ? `${peer.connection}, disk ${peer.disk ?? "unknown"}` : "missing"}`);
      }
      seen.push(`${fs.name} ${r.resource} ${r.role} ${r.disk}`);
    }
  }
  return problems.length ? { problem: problems.join("; "), detail: "" } : { problem: null, detail: seen.join(", ") };
}

export function dataGuards(view: ClusterView, cluster: ClusterSpec): GuardResult[] {
  const repl = replicationProblem(view, cluster);
  const drbd = drbdProblem(view);
  return [
    guard("replication-healthy", repl.problem === null, repl.problem ?? repl.detail),
    guard("drbd-uptodate", drbd.problem === null, drbd.problem ? `DRBD is not UpToDate on both sides: ${drbd.problem}` : `DRBD UpToDate on both sides (${drbd.detail})`),
  ];
}

/** the same checks again at run time, on a fresh reading (the plan may be minutes old) */
export function preflightSteps(overridden: (guard: string) => boolean): StepDef[] {
  return [
    {
      key: "preflight-replication",
      kind: "check",
      title: "Replication is running and caught up",
      planned: [],
      async run(rt) {
        const r = replicationProblem(await rt.view(Date.now()), rt.cluster);
        if (r.problem && !overridden("replication-healthy")) throw new StepFailed(r.problem);
        return r.problem ? `overridden: ${r.problem}` : r.detail;
      },
    },
    {
      key: "preflight-drbd",
      kind: "check",
      title: "DRBD is UpToDate on both file servers",
      planned: [],
      async run(rt) {
        const d = drbdProblem(await rt.view(Date.now()));
        if (d.problem && !overridden("drbd-uptodate")) throw new StepFailed(d.problem);
        return d.problem ? `overridden: ${d.problem}` : d.detail;
      },
    },
  ];
}
