import type { ReactNode } from "react";

export type Tone = "ok" | "warn" | "crit" | "stale";

/** A label and a value in a `<dl className="kv">`. */
export function Kv({ label, children, tone, testId }: { label: string; children: ReactNode; tone?: Tone | null; testId?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className={tone ? `tone-${tone}` : undefined} data-testid={testId}>
        {children}
      </dd>
    </>
  );
}
