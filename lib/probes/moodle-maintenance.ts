import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface MaintenanceFlag {
  /** climaintenance.html exists in the dataroot: Moodle's CLI maintenance mode, for every node at once */
  enabled: boolean;
}

export function parseMaintenance(stdout: string): Parsed<MaintenanceFlag> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    const word = lines.length === 1 ? (lines[0] ?? "").trim() : cannotRead(`expected "on" or "off", got ${lines.length} lines`);
    if (word !== "on" && word !== "off") cannotRead(`expected "on" or "off", got ${quoteLine(word)}`);
    return { enabled: word === "on" };
  });
}

export interface MaintenanceParams {
  dataroot: string;
}

/** `cd` first, so an unreadable dataroot (a stale NFS mount) fails instead of reading as "off". */
export const moodleMaintenanceProbe: Probe<MaintenanceFlag, MaintenanceParams> = {
  name: "moodle-maintenance",
  roles: ["web"],
  readOnly: true,
  command: ({ dataroot }) => `cd ${shellQuote(dataroot)} && ([ -e climaintenance.html ] && echo on || echo off)`,
  parse: parseMaintenance,
};
