import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startLab } from "./index";
import type { LabSettings } from "./model/types";

// `npm run lab -- [start] [--dir D] [--seed N] [--speed X] [--base-port N] [--control-port N] [--http-port N] [--db emulated|real] [--quiet]`
// `npm run lab -- fault <kind> [target] | clear <kind> [target] | clear <id> | faults | truth | speed <x> | rekey <vm>`

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `usage:
  npm run lab [-- start] [--dir .lab] [--seed 1] [--speed 1] [--base-port 22201] [--control-port 22299]
                      [--http-port 22280] [--ha heartbeat|keepalived] [--ports 80,443] [--db emulated|real] [--quiet]
  npm run lab -- fault <kind> [target]     kinds: vm-off <vm>, server-off <A|B>, service-stop <vm>:<service>,
                                                 service-crash <vm>:<service>, link-cut, replication-break <db>,
                                                 replica-slow <db>, disk-full <vm>
  npm run lab -- clear <kind> [target]     or: clear <fault-id>
  npm run lab -- rekey <vm>                a new host key for the VM, its sshd restarted on the same port
  npm run lab -- faults | truth | speed <x>    (all take --dir too)
`;

interface Args {
  positional: string[];
  options: Map<string, string | true>;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
      if (v !== undefined) options.set(k, v);
      else if (k === "quiet" || k === "help") options.set(k, true);
      else options.set(k, argv[++i] ?? "");
    } else positional.push(a);
  }
  return { positional, options };
}

function numberOption(args: Args, name: string, fallback: number): number {
  const v = args.options.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new Error(`--${name} needs a number`);
  return n;
}

function labDir(args: Args): string {
  const v = args.options.get("dir");
  return typeof v === "string" && v ? path.resolve(v) : path.join(PROJECT, ".lab");
}

/** the balancer settings a start may choose: which HA daemon owns the VIP, and the VIP's ports */
function balancerSettings(args: Args): Partial<LabSettings> {
  const out: Partial<LabSettings> = {};
  const ha = args.options.get("ha");
  if (ha !== undefined) {
    if (ha !== "heartbeat" && ha !== "keepalived") throw new Error("--ha is heartbeat or keepalived");
    out.haStack = ha;
  }
  const ports = args.options.get("ports");
  if (ports !== undefined) {
    const list = String(ports).split(",").map(Number);
    if (ports === true || list.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new Error("--ports needs TCP ports, e.g. 80,443");
    out.ports = list;
  }
  return out;
}

/** --db real (the default): Debian's mariadbd on db1/db2 where root and mariadb-server allow, else the emulation, saying why */
function databaseSettings(args: Args): Partial<LabSettings> {
  const v = args.options.get("db") ?? "real";
  if (v !== "emulated" && v !== "real") throw new Error("--db is emulated or real");
  return { dbBackend: v };
}

async function start(args: Args): Promise<void> {
  const dir = labDir(args);
  const lab = await startLab({
    dir,
    seed: numberOption(args, "seed", 1),
    speed: numberOption(args, "speed", 1),
    basePort: numberOption(args, "base-port", 22201),
    controlPort: numberOption(args, "control-port", 22299),
    httpPort: numberOption(args, "http-port", 22280),
    quiet: args.options.get("quiet") === true,
    settings: { ...balancerSettings(args), ...databaseSettings(args) },
  });
  const out = process.stdout;
  out.write(`ClusterDeck lab running (seed ${lab.world.settings.seed}, speed ${lab.sim.clock.speed}x)\n`);
  out.write(`  state dir:   ${lab.dir}\n  inventory:   ${lab.inventoryPath}\n  client key:  ${lab.clientKeyPath}\n  control API: ${lab.controlUrl} (token in ${path.join(lab.dir, "control.json")})\n  site (VIP):  ${lab.siteUrl}\n\n`);
  out.write("  host  server  role  port   host key\n");
  for (const h of lab.hosts) {
    const info = lab.world.vm(h.name);
    out.write(`  ${h.name.padEnd(5)} ${info.server.padEnd(7)} ${info.role.padEnd(5)} ${String(h.port).padEnd(6)} ${h.fingerprint}\n`);
  }
  const first = lab.hosts[0];
  if (first) out.write(`\n  try: ssh -i ${lab.clientKeyPath} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p ${first.port} clusterdeck@127.0.0.1 ipvsadm -Ln\n\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    out.write(`\n${signal}: stopping the lab\n`);
    lab.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

async function call(args: Args, method: string, route: string, body?: unknown): Promise<void> {
  const file = path.join(labDir(args), "control.json");
  if (!fs.existsSync(file)) throw new Error(`no running lab found (${file} is missing); start one with npm run lab`);
  const control = JSON.parse(fs.readFileSync(file, "utf8")) as { url?: unknown; token?: unknown };
  if (typeof control.url !== "string" || typeof control.token !== "string") throw new Error(`${file} is not a lab control file`);
  let res: Response;
  try {
    res = await fetch(`${control.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${control.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error(`the lab at ${control.url} does not answer; is it still running?`);
  }
  const text = await res.text();
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  if (!res.ok) process.exitCode = 1;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const [command = "start", ...rest] = args.positional;
  if (args.options.get("help") === true || command === "help") {
    process.stdout.write(USAGE);
    return;
  }
  switch (command) {
    case "start":
      return start(args);
    case "fault":
      if (rest[0] === undefined) throw new Error("fault needs a kind, e.g. npm run lab -- fault vm-off web1");
      return call(args, "POST", "/faults", { kind: rest[0], target: rest[1] ?? "" });
    case "clear":
      if (rest[0] === undefined) throw new Error("clear needs a kind and target, or a fault id");
      if (/^f\d+$/.test(rest[0])) return call(args, "DELETE", `/faults/${rest[0]}`);
      return call(args, "POST", "/faults/clear", { kind: rest[0], target: rest[1] ?? "" });
    case "faults":
      return call(args, "GET", "/faults");
    case "truth":
      return call(args, "GET", "/truth");
    case "speed":
      return call(args, "POST", "/speed", { speed: Number(rest[0]) });
    case "rekey":
      if (rest[0] === undefined) throw new Error("rekey needs a VM, e.g. npm run lab -- rekey web1");
      return call(args, "POST", `/hosts/${encodeURIComponent(rest[0])}/rekey`);
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
