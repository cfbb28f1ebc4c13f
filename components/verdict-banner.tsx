import type { RedundancyVerdict } from "@/lib/cluster/findings-types";

/** The console's first answer: could either physical server fail right now, and if not, why not. */
export function VerdictBanner({ verdict, silent, waiting }: { verdict: RedundancyVerdict; silent?: boolean; waiting?: boolean }) {
  return (
    <section
      className="verdict"
      data-testid="verdict"
      data-redundant={String(verdict.redundant)}
      data-silent={silent || waiting ? "true" : undefined}
      aria-live="polite"
    >
      <h2 className="verdict-headline">
        {waiting
          ? "Waiting for the first readings from the hosts…"
          : verdict.redundant
            ? "Either server can fail: Moodle keeps running, no data lost"
            : "Redundancy is broken: losing a server now would hurt"}
      </h2>
      <div className="verdict-servers">
        {verdict.servers.map((s) => (
          <div key={s.server} className="verdict-server" data-survives={String(s.survives)} data-testid={`verdict-${s.server}`}>
            <div className="verdict-answer">
              If {s.label} failed now: <strong>{s.survives ? "YES" : "NO"}</strong>
              {s.survives ? <span className="muted"> — the other server carries everything</span> : " —"}
            </div>
            {s.reasons.length > 0 ? (
              <ul className="verdict-reasons">
                {s.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ))}
      </div>
      {silent && !waiting ? <p className="verdict-note">This verdict is based on old data: the console is not getting fresh readings.</p> : null}
    </section>
  );
}
