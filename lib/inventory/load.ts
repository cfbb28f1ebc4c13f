import fs from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import { Inventory } from "@/lib/inventory/schema";

export interface InventoryProblem {
  /** dotted path in the file, e.g. clusters.0.hosts.2.port */
  path: string;
  message: string;
  line?: number;
}

export type InventoryResult =
  | { ok: true; inventory: Inventory }
  | { ok: false; problems: InventoryProblem[] };

/** Parse and validate inventory YAML. Every problem is reported; nothing is half-loaded. */
export function parseInventory(text: string): InventoryResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: "",
        message: e.message.split("\n")[0] ?? e.message,
        line: e.pos[0] !== undefined ? lineCounter.linePos(e.pos[0]).line : undefined,
      })),
    };
  }
  const result = Inventory.safeParse(doc.toJS());
  if (result.success) return { ok: true, inventory: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0] ?? findParentOffset(doc, issue.path as (string | number)[]);
      return {
        path: path.join("."),
        message: issue.message,
        line: offset !== undefined ? lineCounter.linePos(offset).line : undefined,
      };
    }),
  };
}

function findParentOffset(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number | undefined {
  for (let n = path.length - 1; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return node.range[0];
  }
  return undefined;
}

export function readInventoryFile(file: string): InventoryResult {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(err);
    return { ok: false, problems: [{ path: "", message: `${file}: ${reason}` }] };
  }
  return parseInventory(text);
}

export function formatProblems(file: string, problems: InventoryProblem[]): string {
  const lines = problems.map((p) => {
    const where = [p.line !== undefined ? `line ${p.line}` : null, p.path || null].filter(Boolean).join(", ");
    return `  - ${where ? `${where}: ` : ""}${p.message}`;
  });
  return `inventory ${file} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}
