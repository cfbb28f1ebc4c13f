import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface SessionFiles {
  /** session files touched within the session timeout: users with a live session on this node */
  count: number;
}

export function parseSessionFiles(stdout: string): Parsed<SessionFiles> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    const word = lines.length === 1 ? (lines[0] ?? "").trim() : cannotRead(`expected a count, got ${lines.length} lines`);
    if (!/^\d+$/.test(word)) cannotRead(`not a count: ${quoteLine(word)}`);
    return { count: Number(word) };
  });
}

export interface SessionFilesParams {
  /** $CFG->session_file_save_path, or <dataroot>/sessions when config.php leaves the default */
  path: string;
  timeoutMinutes: number;
}

export const sessionFilesProbe: Probe<SessionFiles, SessionFilesParams> = {
  name: "session-files",
  roles: ["web"],
  readOnly: true,
  command: ({ path, timeoutMinutes }) =>
    `cd ${shellQuote(path)} && find . -maxdepth 1 -type f -name 'sess_*' -mmin -${Math.max(1, Math.round(timeoutMinutes))} | wc -l`,
  parse: parseSessionFiles,
};
