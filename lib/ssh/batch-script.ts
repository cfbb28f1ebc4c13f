import { shellQuote } from "@/lib/ssh/quote";
import type { ExecOutcome } from "@/lib/ssh/types";

export interface BatchCommand {
  id: string;
  command: string;
  /** run under `timeout` in its own shell; null runs it bare (it cannot hang, and forks cost more than it does) */
  timeoutSeconds: number | null;
}

export interface BatchItemResult {
  id: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  outcome: ExecOutcome | "missing";
}

export interface BatchResult {
  items: BatchItemResult[];
  durationMs: number;
  truncated: boolean;
}

/**
 * Several read-only commands in one exec: each runs under its own `timeout`, its output is fenced
 * by markers carrying a per-batch nonce, and its exit status is kept apart. Spawning channels
 * costs more on the host than the commands themselves, so the collector sends one batch per tick.
 */
export function buildBatchScript(commands: readonly BatchCommand[], nonce: string): string {
  return commands
    .map((c, i) =>
      [
        `echo '@@cd:${nonce}:b:${i}'`,
        `echo '@@cd:${nonce}:b:${i}' >&2`,
        c.timeoutSeconds === null ? bare(c.command) : `timeout ${Math.max(1, Math.ceil(c.timeoutSeconds))} sh -c ${shellQuote(c.command)}`,
        `printf '\\n@@cd:${nonce}:e:${i}:%s\\n' "$?"`,
        `printf '\\n@@cd:${nonce}:e:${i}\\n' >&2`,
      ].join("; "),
    )
    .join("\n");
}

/** A bare command runs in the batch's own shell: one that could change it (cd, exit, set) gets a subshell. */
function bare(command: string): string {
  return /(^|[;&|(\s])(cd|exit|set|export|unset|exec)(\s|;|$)/.test(command) ? `(${command})` : command;
}

export function parseBatchOutput(
  commands: readonly BatchCommand[],
  nonce: string,
  stdout: string,
  stderr: string,
): BatchItemResult[] {
  return commands.map((c, i) => {
    const out = section(stdout, nonce, i, true);
    const err = section(stderr, nonce, i, false);
    if (out === null) return { id: c.id, stdout: "", stderr: err?.text ?? "", exitCode: null, outcome: "missing" };
    const code = out.code;
    const outcome: ExecOutcome | "missing" = code === null ? "missing" : code === 124 ? "timeout" : code === 0 ? "ok" : "failed";
    return { id: c.id, stdout: out.text, stderr: err?.text ?? "", exitCode: code === 124 ? null : code, outcome };
  });
}

function section(text: string, nonce: string, i: number, withCode: boolean): { text: string; code: number | null } | null {
  const begin = `@@cd:${nonce}:b:${i}\n`;
  const start = text.indexOf(begin);
  if (start < 0) return null;
  const bodyStart = start + begin.length;
  const endMarker = `\n@@cd:${nonce}:e:${i}`;
  const end = text.indexOf(endMarker, bodyStart);
  if (end < 0) return { text: text.slice(bodyStart), code: null };
  let code: number | null = null;
  if (withCode) {
    const m = /^:(\d+)\n/.exec(text.slice(end + endMarker.length, end + endMarker.length + 8));
    code = m?.[1] !== undefined ? Number(m[1]) : null;
  }
  return { text: text.slice(bodyStart, end), code };
}
