"use client";

import { useEffect, useRef } from "react";
import { Elapsed, formatMs } from "@/components/workflows/time";
import type { CommandOutput } from "@/lib/workflows/types";

/** px from the bottom within which the log keeps following new output */
const FOLLOW_SLACK = 24;

/** A stream of a command's output; follows new text while the command runs, unless scrolled up. */
function Log({ text, live, stream, of }: { text: string; live: boolean; stream: "stdout" | "stderr"; of: string }) {
  const ref = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && live && follow.current) el.scrollTop = el.scrollHeight;
  }, [text, live]);
  return (
    <div className="wf-log-wrap" data-stream={stream}>
      <span className="wf-log-label">{stream}</span>
      <pre
        ref={ref}
        className="wf-log"
        tabIndex={0}
        aria-label={`${stream} of ${of}`}
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_SLACK;
        }}
      >
        {text}
      </pre>
    </div>
  );
}

/** One command as it ran: host, exact line, outcome, exit code, duration and its output. */
export function CommandOutputView({ output, testId }: { output: CommandOutput; testId?: string }) {
  const running = output.outcome === "running";
  return (
    <div className="wf-output" data-outcome={output.outcome} data-testid={testId}>
      <div className="wf-output-head">
        <span className="wf-host">{output.host}</span>
        <code className="wf-line">{output.line}</code>
        <span className="wf-output-meta">
          <span className="wf-pill" data-status={output.outcome}>
            {output.outcome}
          </span>
          {output.exitCode !== null ? <span className="mono">exit {output.exitCode}</span> : null}
          {output.durationMs !== null ? (
            <span className="mono">{formatMs(output.durationMs)}</span>
          ) : running ? (
            <Elapsed from={output.startedAt} to={null} />
          ) : null}
        </span>
      </div>
      {output.stdout ? <Log text={output.stdout} live={running} stream="stdout" of={output.line} /> : null}
      {output.stderr ? <Log text={output.stderr} live={running} stream="stderr" of={output.line} /> : null}
      {!output.stdout && !output.stderr ? <p className="muted wf-no-output">{running ? "waiting for output…" : "no output"}</p> : null}
    </div>
  );
}
