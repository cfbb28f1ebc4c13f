// The code fingerprint's CPU cost on a web node, per 2 s poll, on a 30,000-file tree shaped like a Moodle
// release (29,137 files in 4.5): the old command hashed everything every poll; now the last answer stands while
// recent, the host looks for changed directories every 30 s, and hashes the whole tree when one changed or
// every 10 min (lib/probes/code-fingerprint.ts).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type CodeFingerprint, DEFAULT_CADENCE, codeFingerprintProbe, parseCodeFingerprint } from "@/lib/probes/code-fingerprint";

const FILES = 30_000;
const POLL_SECONDS = 2;
const RUNS = Math.max(5, Number(process.env.BENCH_FINGERPRINT_RUNS ?? 10));

/** a tree of FILES small PHP files in about 3,400 folders, as deep as Moodle's */
function makeTree(root: string): void {
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const dirs = [root];
  fs.mkdirSync(root, { recursive: true });
  for (let n = 0, d = 0; n < FILES; ) {
    const parent = dirs[Math.floor(random() * dirs.length)] ?? root;
    if (random() < 0.1 && dirs.length < 3_400) {
      const dir = path.join(parent, `d${d++}`);
      fs.mkdirSync(dir);
      dirs.push(dir);
    } else {
      fs.writeFileSync(path.join(parent, `f${n++}.php`), `<?php\n${"x".repeat(Math.floor(random() * 2000))}\n`);
    }
  }
  fs.writeFileSync(path.join(root, "config.php"), "<?php // the node's own\n");
}

/** CPU seconds (user + system) the command's processes used, from the shell's own `times` */
function cpuOf(command: string): { cpu: number; stdout: string } {
  const out = execFileSync("sh", ["-c", `(${command}) > "$CD_OUT"; times`], { encoding: "utf8", env: { ...process.env, CD_OUT: path.join(os.tmpdir(), `cd-fp-out-${process.pid}`) } });
  const children = out.trim().split("\n").at(-1) ?? "";
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  return { cpu: seconds, stdout: fs.readFileSync(path.join(os.tmpdir(), `cd-fp-out-${process.pid}`), "utf8") };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
}

function measure(command: () => string): number {
  cpuOf(command());
  return median(Array.from({ length: RUNS }, () => cpuOf(command()).cpu));
}

export async function fingerprintBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-bench-fp-"));
  const root = path.join(dir, "moodle");
  try {
    process.stderr.write(`fingerprint: building a ${FILES.toLocaleString("en-US")}-file tree…\n`);
    makeTree(root);
    const oldCommand = `[ -d ${root} ] && find ${root} -type f ! -path ${root}/config.php -printf '%P %s %T@\\n' | LC_ALL=C sort | sha1sum`;
    const first = parseCodeFingerprint(cpuOf(codeFingerprintProbe.command({ dirroot: root })).stdout);
    if (!first.ok) throw new Error(`the fingerprint could not be read: ${first.reason}`);
    // as if hashed a little after the tree was written, so a look finds no folder changed since
    const hashedAt = (first.value.hashedAt ?? 0) + 2;
    const last: CodeFingerprint = { ...first.value, hashedAt, checkedAt: hashedAt };
    // as the collector builds them: nothing due, a check due (no folder changed), a full hash due
    const at = (secondsAfterHash: number) => (hashedAt + secondsAfterHash) * 1000;
    const whole = measure(() => codeFingerprintProbe.command({ dirroot: root }));
    const check = measure(() => codeFingerprintProbe.command({ dirroot: root, previous: last, now: at(DEFAULT_CADENCE.checkEverySeconds) }));
    const cached = measure(() => codeFingerprintProbe.command({ dirroot: root, previous: last, now: at(1) }));
    const old = measure(() => oldCommand);
    const polls = DEFAULT_CADENCE.hashEverySeconds / POLL_SECONDS;
    const checks = DEFAULT_CADENCE.hashEverySeconds / DEFAULT_CADENCE.checkEverySeconds - 1;
    const perPoll = (whole + checks * check + (polls - checks - 1) * cached) / polls;
    const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
    console.log(`\ncode fingerprint on ${FILES.toLocaleString("en-US")} files, CPU per poll (every ${POLL_SECONDS} s, median of ${RUNS} runs):`);
    console.log(`  ${"before: the whole hash, every poll".padEnd(52)} ${ms(old).padStart(10)}  (${((old / POLL_SECONDS) * 100).toFixed(1)} % of a core)`);
    const rows: [string, number][] = [
      [`now: the whole hash, every ${DEFAULT_CADENCE.hashEverySeconds / 60} min or after a change`, whole],
      [`now: a look for changed folders, every ${DEFAULT_CADENCE.checkEverySeconds} s`, check],
      ["now: the last answer, on the other polls", cached],
    ];
    for (const [label, cpu] of rows) console.log(`  ${label.padEnd(52)} ${ms(cpu).padStart(10)}`);
    console.log(`  ${"now: on average".padEnd(52)} ${ms(perPoll).padStart(10)}  (${((perPoll / POLL_SECONDS) * 100).toFixed(2)} % of a core)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), `cd-fp-out-${process.pid}`), { force: true });
  }
}
