import type { ClusterState } from "@/lib/cluster/state";

export type Severity = "ok" | "warning" | "critical";
export type Tier = "host" | "balancer" | "web" | "storage" | "database";

/** One thing an operator should know, in their words. */
export interface Finding {
  /** stable across snapshots while the condition lasts: "<rule>:<component>" */
  id: string;
  rule: string;
  severity: Severity;
  tier: Tier;
  /** a VM name, or "cluster" for conditions of the whole cluster */
  component: string;
  /** every VM the finding is about (colours them on the overview) */
  hosts: string[];
  message: string;
}

/** "If this physical server failed now, would the other carry everything?" */
export interface ServerVerdict {
  server: string;
  label: string;
  /** the other server would carry Moodle with no data lost */
  survives: boolean;
  /** why not, one plain sentence each ("db2 is 45 s behind: up to 45 s of writes would be lost") */
  reasons: string[];
  /** what would happen afterwards that is no reason against it ("when lb1 returns, keepalived moves the VIP back") */
  notes?: string[];
}

export interface RedundancyVerdict {
  /** both servers could fail alone without taking Moodle down or losing data */
  redundant: boolean;
  servers: ServerVerdict[];
}

/** What every cluster page reads: the state, what is wrong with it, and the verdict. */
export interface ClusterView {
  state: ClusterState;
  findings: Finding[];
  verdict: RedundancyVerdict;
}
