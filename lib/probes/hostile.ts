import { MAX_LINE } from "@/lib/probes/partial";
import type { Parsed } from "@/lib/probes/types";

const MB = 1 << 20;
const repeat = (unit: string, size = MB) => unit.repeat(Math.ceil(size / Math.max(1, unit.length)));

/**
 * Long and hostile inputs for parser tests: each is about a megabyte, shaped to make a backtracking
 * regular expression or a quadratic loop stall. A parser must answer each within a small budget.
 */
export function hostileInputs(sample: string): [string, string][] {
  const firstLine = sample.split("\n")[0] ?? "";
  return [
    ["a megabyte of one letter", repeat("a")],
    ["a megabyte of spaces then x", `${repeat(" ")}x`],
    ["a 256 KiB line of spaces then x", `${firstLine}\n${repeat(" ", MB / 4)}x\n`],
    ["a megabyte of tabs in a line after a valid one", `${firstLine}\n\t${repeat("\t")}x\n`],
    ["slashes", repeat("a/")],
    ["colons", repeat("1:")],
    ["brackets", repeat("[")],
    ["quotes", repeat('"a", ')],
    ["equals signs", repeat("a=")],
    ["angle brackets", repeat("<a ")],
    ["digits and dots", repeat("1.")],
    ["NUL bytes", `${firstLine}\n${repeat("a\u0000")}`],
    ["invalid UTF-8 (decoded as replacement characters)", `${firstLine}\n${Buffer.from(repeat("\u00ff\u00fe"), "latin1").toString("utf8")}`],
    ["hundred thousand short lines", repeat("x y:z\n", 100_000 * 6)],
    ["the sample with a huge line inserted", `${sample}\n${repeat("z ")}\n${sample}`],
    ["the sample repeated", repeat(`${sample}\n`, MB / 4)],
    ["hundred thousand blank-ish lines", repeat(" \n", MB / 2)],
    ["a long indented continuation", `${firstLine}\n${repeat("    a")}\n`],
    // within the line cap a backtracking pattern is still quadratic per line: a megabyte of such lines
    ["lines just under the cap: the first line, spaces, x, a carriage return", repeat(`${firstLine}${" ".repeat(Math.max(0, MAX_LINE - firstLine.length - 4))}x\ry\n`)],
  ];
}

/** Runs that make a backtracking pattern try every split of a line: whitespace, digits, separators, quotes. */
const RUNS = [" ", "\t", "0", " 1", "a=", " -> ", "/", ":", '" '];

/**
 * Hostile lines for a parser that reads line by line: after `head` (a header the tool prints once), lines
 * that start as the tool's own do (`leads`: "1: eth0 inet", "\treal=10.0.0.1 gate") and go on with a long
 * run of one shape, ended by a letter, a carriage return and a letter (JavaScript's `.` stops at the CR, so a pattern
 * ending in `(.*)$` fails there and backtracks through the run). For each run, a megabyte of such lines just
 * under the line cap, the leads in turn; then each lead with each run as one 256 KiB line.
 */
export function hostileLines(leads: readonly string[], head = ""): [string, string][] {
  const files: [string, string][] = [];
  const long: [string, string][] = [];
  for (const run of RUNS) {
    const near = leads.map((lead) => {
      const width = Math.max(0, MAX_LINE - lead.length - 9);
      long.push([`one 256 KiB line ${JSON.stringify(lead)} + ${JSON.stringify(run)}...`, `${head}${lead}${repeat(run, MB / 4)}x\ry\n`]);
      return `${lead}${repeat(run, width).slice(0, width)}x\ry`;
    });
    const lines: string[] = [];
    for (let size = 0, i = 0; size < MB; i++) {
      const line = near[i % near.length] ?? "";
      lines.push(line);
      size += line.length + 1;
    }
    files.push([`a megabyte of lines just under the cap: leads + ${JSON.stringify(run)}...`, `${head}${lines.join("\n")}\n`]);
  }
  return [...files, ...long];
}

/** Runs the parser on each input; returns the slowest, so a test can hold it to a budget. */
export function slowestOf<T>(parse: (text: string) => T, inputs: readonly [string, string][]): { name: string; ms: number } {
  let slowest = { name: "", ms: 0 };
  for (const [name, input] of inputs) {
    const started = performance.now();
    parse(input);
    const ms = performance.now() - started;
    if (ms > slowest.ms) slowest = { name, ms };
  }
  return slowest;
}

/** Runs the parser on every hostile input; returns the slowest, so a test can hold it to a budget. */
export function slowestParse(parse: (text: string) => Parsed<unknown>, sample: string): { name: string; ms: number } {
  return slowestOf(parse, hostileInputs(sample));
}
