import { spawn } from "node:child_process";
import path from "node:path";
import type { ExecContext, ExecResult, Tool, VmName, World } from "../../model/types";
import { ToolError } from "../../model/types";
import { fail, findVm } from "../shared/exec";

export const RSYNC_BINARY = "/usr/bin/rsync";

/** options whose value is the next argument when not given as --opt=value */
const TAKES_VALUE = new Set([
  "--exclude", "--include", "--filter", "-f", "--exclude-from", "--include-from", "--files-from", "--log-file",
  "--out-format", "--log-file-format", "--chmod", "--chown", "--timeout", "--contimeout", "--bwlimit", "--backup-dir",
  "--suffix", "--link-dest", "--compare-dest", "--copy-dest", "--max-size", "--min-size", "--partial-dir", "--temp-dir",
  "-T", "-B", "--block-size", "--modify-window", "--usermap", "--groupmap", "--info", "--debug", "--max-delete",
  "--compress-level", "--checksum-choice", "--iconv", "--mkpath-mode",
]);
/** options whose value is a local path to map into the lab */
const PATH_VALUE = new Set(["--exclude-from", "--include-from", "--files-from", "--log-file", "--backup-dir", "--link-dest", "--compare-dest", "--copy-dest", "--partial-dir", "--temp-dir", "-T"]);
const REFUSED = new Set(["-e", "--rsh", "--rsync-path", "--daemon", "--config", "--password-file", "--write-batch", "--read-batch", "--only-write-batch", "-M", "--remote-option", "--server", "--sender", "--port", "--sockopts"]);

interface Mapping {
  real: string;
  shown: string;
}

class RsyncRefusal extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function vmPath(p: string, cwd: string): string {
  const abs = p.startsWith("/") ? p : `${cwd}/${p}`;
  const clean = path.posix.resolve("/", abs);
  return p.endsWith("/") && clean !== "/" ? `${clean}/` : clean;
}

function mapOn(world: World, vm: VmName, p: string, cwd: string, maps: Mapping[]): string {
  const shown = vmPath(p, cwd);
  let real: string;
  try {
    real = world.resolvePath(vm, shown.replace(/\/$/, "") || "/");
  } catch (e) {
    const why = e instanceof ToolError ? e.message.replace(/^.*: /, "") : "No such file or directory";
    throw new RsyncRefusal(`rsync: [sender] change_dir "${shown}" failed: ${why} (116)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]\n`, 23);
  }
  if (shown.endsWith("/") && !real.endsWith("/")) real += "/";
  maps.push({ real: real.replace(/\/$/, ""), shown: shown.replace(/\/$/, "") });
  return real;
}

/** rsync's own end of a failed remote shell: the local side is the sender when pushing, the receiver when pulling */
function sshFailure(sshLine: string, pushing: boolean): RsyncRefusal {
  const role = pushing ? "sender" : "Receiver";
  // ssh ends its own messages with \r\n; rsync's lines end with \n
  return new RsyncRefusal(
    `${sshLine}\r\nrsync: connection unexpectedly closed (0 bytes received so far) [${role}]\nrsync error: unexplained error (code 255) at io.c(232) [${role}=3.2.7]\n`,
    255,
  );
}

function mapOperand(ctx: ExecContext, op: string, cwd: string, maps: Mapping[], isDest: boolean): string {
  if (op.startsWith("rsync://") || /^[^/]*::/.test(op)) throw new RsyncRefusal("rsync: daemon transfers are not available in the lab\n", 1);
  const remote = /^(?:([^@:/]+)@)?([^:/]+):(.*)$/.exec(op);
  if (!remote) return mapOn(ctx.world, ctx.vm, op, cwd, maps);
  const host = remote[2] ?? "";
  const target = findVm(ctx.world, host);
  if (!target) throw sshFailure(`ssh: Could not resolve hostname ${host}: Name or service not known`, isDest);
  // a powered-off host on the same LAN, or one behind the cut link: no ARP answer, so no route
  if (target !== ctx.vm && !ctx.world.canReach(ctx.vm, target)) throw sshFailure(`ssh: connect to host ${host} port 22: No route to host`, isDest);
  const rpath = remote[3] ?? "";
  return mapOn(ctx.world, target, rpath === "" ? "/root/" : rpath, "/root", maps);
}

/** translate rsync's argv into one that runs on the host with every path mapped into the lab */
export function mapRsyncArgs(ctx: ExecContext): { args: string[]; maps: Mapping[] } {
  const cwd = ctx.cwd ?? ctx.env.PWD ?? "/root";
  const out: string[] = [];
  const operands: string[] = [];
  const maps: Mapping[] = [];
  const argv = ctx.argv.slice(1);
  let onlyOperands = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (onlyOperands || !a.startsWith("-") || a === "-") {
      operands.push(a);
      continue;
    }
    if (a === "--") {
      onlyOperands = true;
      continue;
    }
    const [name, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (REFUSED.has(name) || (!a.startsWith("--") && /^-[a-zA-Z]*e/.test(a) && !a.startsWith("--"))) {
      throw new RsyncRefusal(`rsync: option ${name} is not available in the lab (remote shells and daemons are emulated)\n`, 1);
    }
    if (TAKES_VALUE.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new RsyncRefusal(`rsync: option \`${name}' requires an argument\n`, 1);
      const mapped = PATH_VALUE.has(name) && value.startsWith("/") ? mapOn(ctx.world, ctx.vm, value, cwd, []) : value;
      out.push(`${name}=${mapped}`);
      continue;
    }
    out.push(a);
  }
  if (operands.length === 0) throw new RsyncRefusal("rsync: no source or destination given\n", 1);
  const mapped = operands.map((op, i) => mapOperand(ctx, op, cwd, maps, operands.length > 1 && i === operands.length - 1));
  return { args: [...out, "--", ...mapped], maps };
}

function unmap(text: string, maps: Mapping[]): string {
  let out = text;
  for (const m of [...maps].sort((a, b) => b.real.length - a.real.length)) {
    if (m.real) out = out.split(m.real).join(m.shown);
  }
  return out;
}

/** rsync running the real /usr/bin/rsync over paths mapped through the lab's VMs */
export function rsyncTool(binary = RSYNC_BINARY): Tool {
  return {
    roles: "all",
    run(ctx: ExecContext): Promise<ExecResult> | ExecResult {
      let mapped: { args: string[]; maps: Mapping[] };
      try {
        mapped = mapRsyncArgs(ctx);
      } catch (e) {
        if (e instanceof RsyncRefusal) return fail(e.message, e.code);
        throw e;
      }
      return new Promise<ExecResult>((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, LANG: "C", LC_ALL: "C" };
        const child = spawn(binary, mapped.args, { stdio: ["pipe", "pipe", "pipe"], env });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGTERM"), 120_000);
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
        });
        child.stderr.on("data", (d: Buffer) => {
          stderr += d.toString();
        });
        child.on("error", (err) => {
          clearTimeout(timer);
          resolve(fail(`rsync: ${err.message}\n`, 127));
        });
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ stdout: unmap(stdout, mapped.maps), stderr: unmap(stderr, mapped.maps), code: code ?? 1 });
        });
        child.stdin.end(ctx.stdin);
      });
    },
  };
}
