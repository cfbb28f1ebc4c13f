import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface MountPoint {
  mounted: boolean;
  source: string | null;
  fstype: string | null;
  target: string | null;
}

/** `findmnt -n -o SOURCE,FSTYPE,TARGET <path>`: one line when mounted, nothing (exit 1) when not. */
export function parseFindmnt(stdout: string): Parsed<MountPoint> {
  return readOutput<MountPoint>(
    stdout,
    (text) => {
      const lines = contentLines(text);
      if (lines.length !== 1) cannotRead(`expected one mount line, got ${lines.length}`);
      const parts = (lines[0] ?? "").trim().split(/\s+/);
      if (parts.length !== 3) cannotRead(`expected SOURCE FSTYPE TARGET, got ${quoteLine(lines[0] ?? "")}`);
      const [source, fstype, target] = parts;
      if (!target?.startsWith("/")) cannotRead(`target is not a path: ${quoteLine(target ?? "")}`);
      return { mounted: true, source: source ?? null, fstype: fstype ?? null, target };
    },
    { whenEmpty: () => ({ mounted: false, source: null, fstype: null, target: null }) },
  );
}

export interface FindmntParams {
  target: string;
}

export const findmntProbe: Probe<MountPoint, FindmntParams> = {
  name: "findmnt",
  roles: "all",
  readOnly: true,
  command: ({ target }) => `findmnt -n -o SOURCE,FSTYPE,TARGET ${shellQuote(target)}`,
  parse: parseFindmnt,
};
