import type { ReactNode } from "react";
import { Freshness } from "@/components/freshness";

/** Title, a line of context and how fresh the page's data is: the same on every cluster page. */
export function PageHead({
  title,
  children,
  takenAt,
  staleAfterSeconds,
  offline,
}: {
  title: string;
  children?: ReactNode;
  takenAt: number | null;
  staleAfterSeconds: number;
  /** the last refresh failed: the page shows older data */
  offline: boolean;
}) {
  return (
    <div className="page-head">
      <h1>{title}</h1>
      {children}
      <Freshness at={takenAt} staleAfterSeconds={staleAfterSeconds} error={offline ? "cannot reach the console server" : null} />
    </div>
  );
}

export function LoadFailed({ what, error }: { what: string; error: Error | null }) {
  return (
    <main>
      <div className="banner crit" role="alert">
        Could not load {what}
        {error ? `: ${error.message}` : ""}.
      </div>
    </main>
  );
}
