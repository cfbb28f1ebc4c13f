import type { EventSeverity } from "@/lib/cluster/transitions";

/** info, warning or critical, coloured like the findings' pills. */
export function EventSeverityPill({ severity }: { severity: EventSeverity | string }) {
  return (
    <span className="sev" data-severity={severity === "info" ? "ok" : severity}>
      {severity}
    </span>
  );
}
