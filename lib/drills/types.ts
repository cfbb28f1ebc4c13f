/** Drill scorecards and failover marks as the Drills page reads them. */

export interface MeasurementView {
  name: string;
  value: number | null;
  unit: string;
}

export interface ExpectationView {
  text: string;
  measure: string;
  bound: number;
  measured: number | null;
  passed: boolean | null;
}

export interface DrillScoreView {
  runId: string;
  kind: string;
  target: string;
  /** epoch ms */
  at: number;
  passed: boolean;
  aborted: boolean;
  measurements: MeasurementView[];
  expectations: ExpectationView[];
}

export interface FailoverMarkListItem {
  id: number;
  tier: string;
  at: number;
  message: string;
  source: string;
}

export interface DrillList {
  scores: DrillScoreView[];
  /** failovers no one has acknowledged: each blocks another drill on its tier */
  unacknowledged: FailoverMarkListItem[];
}

/** the figure that says how long users were without the site, per drill kind */
export const MEASURE_LABELS: Record<string, string> = {
  noVipSeconds: "no VIP owner",
  unservedSeconds: "site not served",
  failedRequests: "failed requests",
  stickyClientsBefore: "sticky clients before",
  stickyClientsLost: "sticky clients lost",
  redundantAgainSeconds: "redundant again after",
  nfsMovedSeconds: "NFS served elsewhere after",
  recoverySeconds: "recovered after power-on",
  readOnlySeconds: "no writable database for",
  transactionsLost: "transactions lost",
  unappliedBytes: "received but not applied at promotion",
  lagAtPromotionSeconds: "replica lag at promotion",
  secondsAtRisk: "writes at risk (replica lag last seen)",
  nfsDownSeconds: "dataroot unreadable",
  outOfSyncKb: "out of sync afterwards",
};
