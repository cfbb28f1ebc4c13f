import type { Severity } from "@/lib/cluster/findings-types";

const WORDS: Record<Severity, string> = { ok: "ok", warning: "warning", critical: "critical" };

export function SeverityPill({ severity }: { severity: Severity }) {
  return (
    <span className="sev" data-severity={severity}>
      {WORDS[severity]}
    </span>
  );
}
