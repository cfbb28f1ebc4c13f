import { cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface NfsExport {
  path: string;
  /** host, network/prefix, wildcard, @netgroup or "<world>" */
  client: string;
  options: string[];
  readOnly: boolean;
}

export interface NfsExports {
  exports: NfsExport[];
}

const CLIENT = /^(\S+?)\(([^()]*)\)$/;

/** exportfs escapes spaces and other awkward characters in paths as \ooo octal. */
function unescapeOctal(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function exportOf(path: string, clientText: string, line: string): NfsExport {
  const m = CLIENT.exec(clientText) ?? cannotRead(`not a client(options) entry: ${quoteLine(line)}`);
  const options = (m[2] ?? "").split(",").filter(Boolean);
  // newer nfs-utils print rw/ro inside the sec= group and may repeat it; like option parsing, the last one wins
  const access = options.filter((o) => o === "rw" || o === "ro").at(-1);
  return { path: unescapeOctal(path), client: m[1] ?? "", options, readOnly: access !== "rw" };
}

/** Reads `exportfs -v` (and `-s`); a path too long for its column sits alone and its client follows on a tab-indented line. */
export function parseExportfs(stdout: string): Parsed<NfsExports> {
  return readOutput(
    stdout,
    (text) => {
      const exports: NfsExport[] = [];
      let pending: string | null = null;
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        if (/^\s/.test(line)) {
          if (pending === null) cannotRead(`client line without a path: ${quoteLine(line)}`);
          exports.push(exportOf(pending, line.trim(), line));
          pending = null;
          continue;
        }
        if (pending !== null) cannotRead(`export ${pending} has no client`);
        if (!line.startsWith("/")) cannotRead(`not an export line: ${quoteLine(line)}`);
        const m = /^(\S+)\s+(\S+)$/.exec(line.trimEnd());
        if (m) exports.push(exportOf(m[1] ?? "", m[2] ?? "", line));
        else if (/^\S+$/.test(line.trimEnd())) pending = line.trimEnd();
        else cannotRead(`not an export line: ${quoteLine(line)}`);
      }
      if (pending !== null) cannotRead(`export ${pending} has no client (truncated?)`);
      return { exports };
    },
    // nothing exported prints nothing: on the secondary file server that is the normal state
    { whenEmpty: () => ({ exports: [] }) },
  );
}

export const exportfsProbe: Probe<NfsExports> = {
  name: "exportfs",
  roles: ["fs"],
  readOnly: true,
  command: () => "exportfs -v",
  parse: parseExportfs,
};
