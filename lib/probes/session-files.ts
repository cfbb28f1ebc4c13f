import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface SessionFiles {
  /**
   * Moodle's session files touched within the session timeout: sessions not yet expired, anonymous
   * visitors' included (every page view starts one). Null when the folder does not exist yet.
   */
  count: number | null;
  /** the folder is not there: Moodle makes it with the first session kept in files */
  absent: boolean;
}

export function parseSessionFiles(stdout: string): Parsed<SessionFiles> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    const word = lines.length === 1 ? (lines[0] ?? "").trim() : cannotRead(`expected a count, got ${lines.length} lines`);
    if (word === "absent") return { count: null, absent: true };
    if (!/^\d{1,12}$/.test(word)) cannotRead(`not a count: ${quoteLine(word)}`);
    return { count: Number(word), absent: false };
  });
}

export interface SessionFilesParams {
  /** $CFG->session_file_save_path, or <dataroot>/sessions when config.php leaves the default */
  path: string;
  timeoutMinutes: number;
}

/** `cd` first, so an unreadable folder (a stale NFS mount, no permission) fails instead of counting 0. */
export const sessionFilesProbe: Probe<SessionFiles, SessionFilesParams> = {
  name: "session-files",
  roles: ["web"],
  readOnly: true,
  command: ({ path, timeoutMinutes }) => {
    const dir = shellQuote(path);
    return `test -d ${dir} && cd ${dir} && find . -maxdepth 1 -type f -name 'sess_*' -mmin -${Math.max(1, Math.round(timeoutMinutes))} | wc -l || (test ! -d ${dir} && echo absent)`;
  },
  parse: parseSessionFiles,
};
