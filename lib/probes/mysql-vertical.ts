import { cannotRead, quoteLine } from "@/lib/probes/read";

/** One row of `\G` output: field names in printed order, values with continuation lines joined by "\n". */
export type VerticalRow = Map<string, string>;

const ROW_HEADER = /^\s*\*+ \d+\. row \*+$/;
const FOOTER = /^(\d+ rows? in set|Empty set)\b/;
const FIELD = /^(\s*)([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$/;

/**
 * Reads the mysql client's vertical (\G) format. Field names are right-aligned, so a line only starts a
 * new field when its colon sits in the row's colon column; anything else continues the previous value
 * (multi-line Last_Error texts, GTID sets wrapped after each comma).
 */
export function readVerticalRows(text: string): VerticalRow[] {
  const rows: VerticalRow[] = [];
  let row: VerticalRow | null = null;
  let colonColumn: number | null = null;
  let lastKey: string | null = null;
  for (const line of text.split("\n")) {
    if (ROW_HEADER.test(line)) {
      row = new Map();
      rows.push(row);
      colonColumn = null;
      lastKey = null;
      continue;
    }
    if (FOOTER.test(line.trim()) || (line.trim() === "" && lastKey === null)) continue;
    if (row === null) cannotRead(`expected a "*** 1. row ***" header, got ${quoteLine(line)}`);
    const field = FIELD.exec(line);
    const column = field ? (field[1] ?? "").length + (field[2] ?? "").length : -1;
    if (field && (colonColumn === null || column === colonColumn)) {
      colonColumn ??= column;
      lastKey = field[2] ?? "";
      row.set(lastKey, (field[3] ?? "").trimEnd());
    } else if (lastKey !== null) {
      row.set(lastKey, `${row.get(lastKey) ?? ""}\n${line.trimEnd()}`);
    } else {
      cannotRead(`not a "Field: value" line: ${quoteLine(line)}`);
    }
  }
  for (const r of rows) {
    for (const [key, value] of r) r.set(key, value.trimEnd());
  }
  return rows;
}

/** mysql -B prints a header line of column names and tab-separated rows, with \n, \t and \\ escaped. */
export function readBatchRows(text: string): VerticalRow[] {
  const lines = text.split("\n").filter((line) => line !== "");
  const [header, ...body] = lines;
  const names = (header ?? "").split("\t");
  return body.map((line) => {
    const cells = line.split("\t");
    // trailing empty columns are often lost when output is copied, so only extra columns are an error
    if (cells.length > names.length) cannotRead(`expected ${names.length} tab-separated columns: ${quoteLine(line)}`);
    return new Map(names.map((name, i) => [name, unescapeBatch(cells[i] ?? "")]));
  });
}

function unescapeBatch(cell: string): string {
  return cell.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c === "0" ? "\0" : c));
}

/** A GTID set with the client's line wrapping removed: "uuid:1-5,\nuuid:1-3" -> "uuid:1-5,uuid:1-3". */
export function gtidSet(value: string | undefined): string | null {
  if (value === undefined) return null;
  const joined = value.replace(/\s+/g, "");
  return joined === "" ? null : joined;
}
