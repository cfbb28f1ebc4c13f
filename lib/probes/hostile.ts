import type { Parsed } from "@/lib/probes/types";

/**
 * Long and hostile inputs for parser tests: each is about a megabyte, shaped to make a backtracking
 * regular expression or a quadratic loop stall. A parser must answer each within a small budget.
 */
export function hostileInputs(sample: string): [string, string][] {
  const mb = 1 << 20;
  const firstLine = sample.split("\n")[0] ?? "";
  const repeat = (unit: string, size = mb) => unit.repeat(Math.ceil(size / Math.max(1, unit.length)));
  return [
    ["a megabyte of one letter", repeat("a")],
    ["a megabyte of spaces then x", `${repeat(" ")}x`],
    ["a megabyte of tabs in a line after a valid one", `${firstLine}\n\t${repeat("\t")}x\n`],
    ["slashes", repeat("a/")],
    ["colons", repeat("1:")],
    ["brackets", repeat("[")],
    ["quotes", repeat('"a", ')],
    ["equals signs", repeat("a=")],
    ["angle brackets", repeat("<a ")],
    ["digits and dots", repeat("1.")],
    ["hundred thousand short lines", repeat("x y:z\n", 100_000 * 6)],
    ["the sample with a huge line inserted", `${sample}\n${repeat("z ")}\n${sample}`],
    ["the sample repeated", repeat(`${sample}\n`, mb / 4)],
    ["hundred thousand blank-ish lines", repeat(" \n", mb / 2)],
    ["a long indented continuation", `${firstLine}\n${repeat("    a")}\n`],
  ];
}

/** Runs the parser on every hostile input; returns the slowest, so a test can hold it to a budget. */
export function slowestParse(parse: (text: string) => Parsed<unknown>, sample: string): { name: string; ms: number } {
  let slowest = { name: "", ms: 0 };
  for (const [name, input] of hostileInputs(sample)) {
    const started = performance.now();
    parse(input);
    const ms = performance.now() - started;
    if (ms > slowest.ms) slowest = { name, ms };
  }
  return slowest;
}
