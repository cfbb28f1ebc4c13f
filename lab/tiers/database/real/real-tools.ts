import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ExecContext, ExecResult, Tool, VmName } from "../../../model/types";
import { splitLongOption } from "../../shared/exec";
import { childEnv } from "./mariadbd";
import type { LabNetwork } from "./netns";

/** where a VM's clients find its server: the real socket of its own mariadbd, or none (web nodes) */
export interface ClientMap {
  net: LabNetwork;
  /** the real socket of the VM's own server; a path that does not exist for VMs without one */
  socketOf(vm: VmName): string;
  /** VMs that have a network namespace */
  hasNamespace(vm: VmName): boolean;
  /** scratch space for mapped option files and an empty HOME */
  scratch: string;
}

const VM_SOCKETS = ["/run/mysqld/mysqld.sock", "/var/run/mysqld/mysqld.sock"];

function userOf(ctx: ExecContext): string {
  return ctx.user ?? "root";
}

/** the VM's option file as the client would read it, its socket pointed at the real server; null when unreadable */
function mapOptionFile(ctx: ExecContext, map: ClientMap, file: string): { real: string; text: string; hasUser: boolean } | null {
  let real: string;
  try {
    real = ctx.world.resolvePath(ctx.vm, file.startsWith("/") ? file : path.posix.join(ctx.cwd ?? "/", file));
  } catch {
    return null;
  }
  if (!fs.existsSync(real) || !ctx.world.access.may(userOf(ctx), real, "r")) return null;
  const text = fs.readFileSync(real, "utf8");
  const hasUser = /^\s*user\s*=/m.test(text);
  const mapped = text.replace(/^(\s*socket\s*=\s*).*$/gm, `$1${map.socketOf(ctx.vm)}`);
  const out = path.join(map.scratch, `${crypto.randomBytes(6).toString("hex")}.cnf`);
  fs.writeFileSync(out, mapped, { mode: 0o600 });
  return { real: out, text, hasUser };
}

interface Mapped {
  argv: string[];
  cleanup: string[];
  /** real path -> what the VM shows */
  back: [string, string][];
  resultFile: { vmPath: string; real: string; existed: boolean } | null;
}

/**
 * The real client's argv for a VM's command line: the option file (only honoured first, as the client
 * does) copied with the socket of the VM's real server, --socket mapped, the account named when the
 * command does not (the lab runs as root, the VM's command runs as `ctx.user`), --result-file mapped.
 */
function mapArgs(ctx: ExecContext, map: ClientMap, program: string, args: string[]): Mapped | ExecResult {
  const out: string[] = [];
  const cleanup: string[] = [];
  const back: [string, string][] = [[map.socketOf(ctx.vm), VM_SOCKETS[0] ?? ""]];
  let userGiven = false;
  let resultFile: Mapped["resultFile"] = null;
  const first = args[0] ?? "";
  let start = 0;
  if (first.startsWith("--defaults-file=") || first.startsWith("--defaults-extra-file=")) {
    const [name, file = ""] = splitLongOption(first);
    const mapped = mapOptionFile(ctx, map, file);
    if (!mapped) return { stdout: "", stderr: `Could not open required defaults file: ${file}\nFatal error in defaults handling. Program aborted\n`, code: program === "my_print_defaults" ? 2 : 1 };
    out.push(`${name}=${mapped.real}`);
    cleanup.push(mapped.real);
    back.push([mapped.real, file]);
    const socket = /^\s*socket\s*=\s*(.*)$/m.exec(mapped.text)?.[1]?.trim();
    if (socket) back.unshift([map.socketOf(ctx.vm), socket]);
    userGiven = mapped.hasUser;
    start = 1;
  } else if (program !== "my_print_defaults") {
    out.push(`--socket=${map.socketOf(ctx.vm)}`);
  }
  for (let i = start; i < args.length; i++) {
    const a = args[i] ?? "";
    const [name, inline] = splitLongOption(a);
    if (name === "--socket" || a === "-S") {
      const v = inline ?? args[++i] ?? "";
      out.push(`--socket=${VM_SOCKETS.includes(v) ? map.socketOf(ctx.vm) : v}`);
      continue;
    }
    if (name === "--user" || a.startsWith("-u")) userGiven = true;
    if (program.includes("dump") && (name === "--result-file" || a === "-r" || /^-r./.test(a))) {
      const v = inline ?? (a === "-r" || name === "--result-file" ? (args[++i] ?? "") : a.slice(2));
      const vmPath = v.startsWith("/") ? v : path.posix.join(ctx.cwd ?? "/", v);
      let real: string;
      try {
        real = ctx.world.resolvePath(ctx.vm, vmPath);
      } catch {
        real = path.join(map.scratch, "no-such-dir", path.basename(vmPath));
      }
      const dir = path.dirname(real);
      const existed = fs.existsSync(real);
      const access = ctx.world.access;
      if (fs.existsSync(dir) && (!access.may(userOf(ctx), dir, "x") || (existed ? !access.may(userOf(ctx), real, "w") : !access.mayChange(userOf(ctx), dir)))) {
        return { stdout: "", stderr: `mysqldump: Can't create/write to file '${vmPath}' (Errcode: 13 "Permission denied")\n`, code: 1 };
      }
      resultFile = { vmPath, real, existed };
      back.push([real, vmPath]);
      out.push(`--result-file=${real}`);
      continue;
    }
    out.push(a);
  }
  if (!userGiven && program !== "my_print_defaults") {
    // after the option file: a later --user would override the file's user, so only when it names none
    out.splice(start === 1 ? 1 : 0, 0, `--user=${userOf(ctx)}`);
  }
  return { argv: out, cleanup, back, resultFile };
}

function unmap(text: string, back: [string, string][]): string {
  let s = text;
  for (const [real, shown] of back) if (real) s = s.split(real).join(shown);
  return s;
}

/** run a real MariaDB client for a VM: in its network namespace, with its stdin, as the lab maps its files */
export function realClientTool(map: ClientMap, binary: string, program: string): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): Promise<ExecResult> | ExecResult {
      const mapped = mapArgs(ctx, map, program, ctx.argv.slice(1));
      if (!("argv" in mapped)) return mapped;
      const home = path.join(map.scratch, "home");
      fs.mkdirSync(home, { recursive: true });
      const argv = map.hasNamespace(ctx.vm) ? map.net.exec(ctx.vm, [binary, ...mapped.argv]) : [binary, ...mapped.argv];
      const env = childEnv(home, ctx.env.TZ !== undefined ? { TZ: ctx.env.TZ } : {});
      return new Promise((resolve) => {
        const child = execFile(argv[0] ?? binary, argv.slice(1), { env, encoding: "utf8", timeout: 600_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
          for (const f of mapped.cleanup) fs.rmSync(f, { force: true });
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          const rf = mapped.resultFile;
          // the real dump ran as the lab's root: the file is the account's, with the mode its umask gives
          if (rf && !rf.existed && fs.existsSync(rf.real)) ctx.world.access.created(rf.real, userOf(ctx), ctx.umask);
          resolve({ stdout: unmap(stdout, mapped.back), stderr: unmap(stderr, mapped.back), code });
        });
        // a client that exits before reading its input (a refused login) must not take the lab down with EPIPE
        child.stdin?.on("error", () => undefined);
        child.stdin?.end(ctx.stdin);
      });
    },
  };
}
