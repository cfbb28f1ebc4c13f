import type { RunStatus, StepKind, StepStatus, WorkflowKind } from "@/lib/workflows/types";

export const WORKFLOW_NAMES: Record<WorkflowKind, string> = {
  maintenance: "Maintenance mode",
  drain: "Drain a web node",
  undrain: "Undrain a web node",
  "code-update": "Rolling code update",
  upgrade: "Moodle upgrade",
  "drill-balancer": "Balancer failover drill",
  "drill-storage": "Storage switchover drill",
  "drill-database": "Database promotion drill",
  "drill-server": "Whole-server failover drill",
};

const STEP_ICONS: Record<StepStatus, string> = {
  pending: "○",
  running: "◐",
  waiting: "◷",
  succeeded: "✓",
  failed: "✕",
  skipped: "–",
  cancelled: "⊘",
  "rolled-back": "↺",
  "rollback-failed": "!",
  expired: "⌛",
};

/** The run's status, word for word as the engine reports it. */
export function RunStatusPill({ status, testId }: { status: RunStatus; testId?: string }) {
  return (
    <span className="wf-pill" data-status={status} data-testid={testId}>
      {status}
    </span>
  );
}

export function StepStatusPill({ status }: { status: StepStatus }) {
  return (
    <span className="wf-pill" data-status={status}>
      {status}
    </span>
  );
}

export function StepIcon({ status }: { status: StepStatus }) {
  return (
    <span className="wf-step-icon" data-status={status} aria-hidden="true">
      {STEP_ICONS[status]}
    </span>
  );
}

export function KindBadge({ kind }: { kind: StepKind }) {
  return (
    <span className="wf-kind" data-kind={kind}>
      {kind}
    </span>
  );
}
