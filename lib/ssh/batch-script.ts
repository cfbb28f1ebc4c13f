import { shellQuote } from "@/lib/ssh/quote";
import type { ExecOutcome } from "@/lib/ssh/types";

export interface BatchCommand {
  id: string;
  command: string;
  /**
   * null: it cannot hang, so it runs bare in the batch's shell. A number: it can block, so it runs in
   * the guarded group, which one `timeout` (the largest of these) bounds as a whole.
   */
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
 * Several read-only commands in one exec, each one's output fenced by markers carrying a per-batch
 * nonce and its exit status kept apart. Spawning processes costs more on these hosts than the
 * commands themselves, so commands that cannot hang run bare, and those that can (a stale NFS
 * mount, a stalled daemon) share one `timeout` and one `sh`: a hang costs the rest of that group
 * this tick, reported as timed out, never the whole batch.
 */
export function buildBatchScript(commands: readonly BatchCommand[], nonce: string): string {
  const section = (c: BatchCommand, i: number, body: string) =>
    [
      `echo '@@cd:${nonce}:b:${i}'`,
      `echo '@@cd:${nonce}:b:${i}' >&2`,
      body,
      `printf '\\n@@cd:${nonce}:e:${i}:%s\\n' "$?"`,
      `printf '\\n@@cd:${nonce}:e:${i}\\n' >&2`,
    ].join("; ");
  const lines: string[] = [];
  const guarded: string[] = [];
  let budget = 0;
  commands.forEach((c, i) => {
    if (c.timeoutSeconds === null) {
      lines.push(section(c, i, bare(c.command)));
    } else {
      guarded.push(section(c, i, bare(c.command)));
      budget = Math.max(budget, Math.ceil(c.timeoutSeconds));
    }
  });
  if (guarded.length > 0) {
    lines.push(`timeout ${Math.max(1, budget)} sh -c ${shellQuote(guarded.join("\n"))}; printf '\\n@@cd:${nonce}:g:%s\\n' "$?"`);
  }
  return lines.join("\n");
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
  const groupTimedOut = stdout.includes(`\n@@cd:${nonce}:g:124\n`);
  return commands.map((c, i) => {
    const out = section(stdout, nonce, i, true);
    const err = section(stderr, nonce, i, false);
    // The guarded group's timeout killed it before (or while) this one ran.
    const cut = groupTimedOut && c.timeoutSeconds !== null && (out === null || out.code === null);
    if (cut) return { id: c.id, stdout: out?.text ?? "", stderr: err?.text ?? "", exitCode: null, outcome: "timeout" };
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
