import path from "node:path";
import { ToolError } from "../model/types";
import type { ExecResult, Tool, VmName, World } from "../model/types";
import { expandSingle, expandWord } from "./expand";
import type { ExpandEnv } from "./expand";
import type { VmFiles } from "./files";
import { parseScript, type AndOr, type Command, type List, type Pipeline, type Redirect } from "./parse";
import { ShellSyntaxError } from "./tokenize";
import { echo, evalTest, printf } from "./text-builtins";

export interface ShellHost {
  vm: VmName;
  world: World;
  files: VmFiles;
  tools: ReadonlyMap<string, Tool>;
  /** where `command -v` says a tool lives */
  toolPath(name: string): string;
  user: string;
  /** a number the shell reports as $$ */
  pid: number;
}

export interface ShellState {
  /** the account commands run as: the login, or sudo's target inside `sudo sh -c` */
  user: string;
  /** the file-creation mask (`umask 077`) for redirections and the commands it runs */
  umask: number;
  vars: Map<string, string>;
  exported: Set<string>;
  cwd: string;
  status: number;
  positional: string[];
  errexit: boolean;
  pipefail: boolean;
}

type Sink = { kind: "buf"; chunks: string[] } | { kind: "file"; path: string } | { kind: "null" };
type Fds = Map<number, Sink>;

class ExitSignal {
  constructor(readonly code: number) {}
}

const BUILTINS = new Set([
  "echo", "printf", "true", "false", ":", "exit", "cd", "pwd", "test", "[", "export", "unset", "set",
  "sh", "bash", "timeout", "sudo", "env", "command", "type", "exec", "sleep", "wait", "trap", "umask", "read", "shift",
]);

export function initialState(host: ShellHost): ShellState {
  const home = host.world.access.account(host.user).home;
  const vars = new Map<string, string>([
    ["HOME", home],
    ["USER", host.user],
    ["LOGNAME", host.user],
    ["SHELL", "/bin/bash"],
    ["PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    ["HOSTNAME", host.world.vm(host.vm).hostname],
    ["LANG", "C.UTF-8"],
    ["PWD", home],
  ]);
  return { user: host.user, umask: 0o022, vars, exported: new Set(vars.keys()), cwd: home, status: 0, positional: [], errexit: false, pipefail: false };
}

/** a tiny POSIX-ish shell: runs one command string the way `bash -c` would for the subset the console uses */
export class Shell {
  /** set when the script ran `exit` (an interactive session then ends) */
  exited = false;

  constructor(
    private readonly host: ShellHost,
    readonly state: ShellState = initialState(host),
  ) {}

  async run(source: string, stdin = ""): Promise<ExecResult> {
    const out: Sink = { kind: "buf", chunks: [] };
    const err: Sink = { kind: "buf", chunks: [] };
    const fds: Fds = new Map([
      [1, out],
      [2, err],
    ]);
    let code: number;
    try {
      code = await this.runSource(source, fds, stdin);
    } catch (e) {
      if (!(e instanceof ExitSignal)) throw e;
      code = e.code;
      this.exited = true;
    }
    this.state.status = code;
    return { stdout: out.chunks.join(""), stderr: err.chunks.join(""), code };
  }

  private async runSource(source: string, fds: Fds, stdin: string): Promise<number> {
    let list: List;
    try {
      list = parseScript(source);
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      this.emit(fds, 2, `bash: -c: line 1: ${e.message}\n`);
      return 2;
    }
    return this.execList(list, fds, stdin);
  }

  private async execList(list: List, fds: Fds, stdin: string): Promise<number> {
    let code = this.state.status;
    for (const item of list) {
      code = await this.execAndOr(item, fds, stdin);
      this.state.status = code;
    }
    return code;
  }

  private async execAndOr(item: AndOr, fds: Fds, stdin: string): Promise<number> {
    let code = await this.execPipeline(item.first, fds, stdin);
    let lastRan = item.rest.length === 0;
    for (const [i, next] of item.rest.entries()) {
      this.state.status = code;
      if ((next.op === "&&" && code === 0) || (next.op === "||" && code !== 0)) {
        code = await this.execPipeline(next.pipeline, fds, stdin);
        lastRan = i === item.rest.length - 1;
      }
    }
    if (this.state.errexit && code !== 0 && lastRan && !item.first.negate) throw new ExitSignal(code);
    return code;
  }

  private async execPipeline(p: Pipeline, fds: Fds, stdin: string): Promise<number> {
    let code: number;
    if (p.commands.length === 1 && p.commands[0]) code = await this.execCommand(p.commands[0], fds, stdin);
    else {
      let input = stdin;
      const codes: number[] = [];
      for (const [i, cmd] of p.commands.entries()) {
        const last = i === p.commands.length - 1;
        const pipe: Sink = { kind: "buf", chunks: [] };
        const local: Fds = new Map(fds);
        if (!last) local.set(1, pipe);
        let c: number;
        try {
          c = await this.execCommand(cmd, local, input);
        } catch (e) {
          if (!(e instanceof ExitSignal)) throw e;
          c = e.code;
        }
        codes.push(c);
        input = pipe.chunks.join("");
      }
      code = this.state.pipefail ? [...codes].reverse().find((c) => c !== 0) ?? 0 : codes[codes.length - 1] ?? 0;
    }
    return p.negate ? (code === 0 ? 1 : 0) : code;
  }

  private expandEnv(): ExpandEnv {
    return {
      lookup: (name) => this.lookup(name),
      assign: (name, value) => this.state.vars.set(name, value),
      substitute: async (source) => {
        const sub = new Shell(this.host, cloneState(this.state));
        const r = await sub.runSourceCapture(source);
        this.state.status = r.code;
        return r.stdout;
      },
      home: this.state.vars.get("HOME") ?? "/",
      glob: { files: this.host.files, vm: this.host.vm, cwd: this.state.cwd, user: this.state.user },
    };
  }

  /** used for $(...): stdout is captured, stderr is dropped into the void like a detached terminal */
  async runSourceCapture(source: string): Promise<ExecResult> {
    return this.run(source);
  }

  private lookup(name: string): string | undefined {
    if (name === "?") return String(this.state.status);
    if (name === "$") return String(this.host.pid);
    if (name === "#") return String(this.state.positional.length);
    if (name === "0") return "bash";
    if (name === "@" || name === "*") return this.state.positional.join(" ");
    if (/^\d$/.test(name)) return this.state.positional[Number(name) - 1];
    if (name === "PWD") return this.state.cwd;
    return this.state.vars.get(name);
  }

  private async execCommand(cmd: Command, fds: Fds, stdin: string): Promise<number> {
    if (cmd.type === "group") {
      // { list; } runs in this shell: its output goes where the group's redirections and pipe say
      const local = new Map(fds);
      const applied = await this.applyRedirects(cmd.redirects, local, stdin, cmd.line);
      if (applied === null) return 1;
      return this.execList(cmd.body, local, applied);
    }
    if (cmd.type === "if") {
      // the conditions run with set -e suspended, as POSIX sh says; the chosen branch runs in this shell
      const local = new Map(fds);
      const applied = await this.applyRedirects(cmd.redirects, local, stdin, cmd.line);
      if (applied === null) return 1;
      for (const clause of cmd.clauses) {
        const errexit = this.state.errexit;
        this.state.errexit = false;
        let code: number;
        try {
          code = await this.execList(clause.cond, local, applied);
        } finally {
          this.state.errexit = errexit;
        }
        if (code === 0) return this.execList(clause.body, local, applied);
      }
      return cmd.orElse ? this.execList(cmd.orElse, local, applied) : 0;
    }
    if (cmd.type === "subshell") {
      const sub = new Shell(this.host, cloneState(this.state));
      const local = new Map(fds);
      const applied = await this.applyRedirects(cmd.redirects, local, stdin, cmd.line);
      if (applied === null) return 1;
      try {
        return await sub.execList(cmd.body, local, applied);
      } catch (e) {
        if (e instanceof ExitSignal) return e.code;
        throw e;
      }
    }
    const env = this.expandEnv();
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...(await expandWord(w, env)));
    const assigned: [string, string][] = [];
    for (const a of cmd.assigns) assigned.push([a.name, await expandSingle(a.value, env)]);
    const local = new Map(fds);
    const input = await this.applyRedirects(cmd.redirects, local, stdin, cmd.line);
    if (input === null) return 1;
    if (argv.length === 0) {
      for (const [k, v] of assigned) this.state.vars.set(k, v);
      return cmd.words.length > 0 ? this.state.status : 0;
    }
    const cmdEnv = this.exportedEnv();
    for (const [k, v] of assigned) cmdEnv[k] = v;
    const r = await this.runArgv(argv, input, cmdEnv, cmd.line);
    this.emit(local, 1, r.stdout);
    this.emit(local, 2, r.stderr);
    return r.code;
  }

  private exportedEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of this.state.exported) {
      const v = this.state.vars.get(k);
      if (v !== undefined) env[k] = v;
    }
    env.PWD = this.state.cwd;
    return env;
  }

  /** apply redirections left to right; gives the command's stdin, or null after reporting an error */
  private async applyRedirects(redirects: Redirect[], fds: Fds, stdin: string, line: number): Promise<string | null> {
    let input = stdin;
    const env = this.expandEnv();
    for (const r of redirects) {
      const target = await expandSingle(r.target, env);
      try {
        switch (r.op) {
          case ">":
          case ">|":
          case ">>":
            fds.set(r.fd ?? 1, this.openFile(target, r.op === ">>", fds));
            break;
          case "&>":
          case "&>>": {
            const sink = this.openFile(target, r.op === "&>>", fds);
            fds.set(1, sink);
            fds.set(2, sink);
            break;
          }
          case ">&":
            if (/^\d+$/.test(target)) {
              const from = fds.get(Number(target));
              if (!from) throw new ToolError(`${target}: Bad file descriptor`);
              fds.set(r.fd ?? 1, from);
            } else if (target === "-") fds.set(r.fd ?? 1, { kind: "null" });
            else {
              const sink = this.openFile(target, false, fds);
              fds.set(r.fd ?? 1, sink);
              if (r.fd === null) fds.set(2, sink);
            }
            break;
          case "<":
            if ((r.fd ?? 0) === 0) input = target === "/dev/null" ? "" : this.host.files.read(this.host.vm, this.abs(target), this.state.user);
            break;
          case "<&":
            break;
          case "<<":
          case "<<-":
            input = target;
            break;
          case "<<<":
            input = `${target}\n`;
            break;
        }
      } catch (e) {
        if (!(e instanceof ToolError)) throw e;
        this.emit(fds, 2, `bash: line ${line}: ${e.message}\n`);
        return null;
      }
    }
    return input;
  }

  private openFile(target: string, append: boolean, fds: Fds): Sink {
    if (target === "/dev/null") return { kind: "null" };
    if (target === "/dev/stdout") return fds.get(1) ?? { kind: "null" };
    if (target === "/dev/stderr") return fds.get(2) ?? { kind: "null" };
    const p = this.abs(target);
    this.host.files.write(this.host.vm, p, "", append, this.state.user, this.state.umask);
    return { kind: "file", path: p };
  }

  private emit(fds: Fds, fd: number, text: string): void {
    if (text === "") return;
    const sink = fds.get(fd);
    if (!sink || sink.kind === "null") return;
    if (sink.kind === "buf") {
      sink.chunks.push(text);
      return;
    }
    try {
      this.host.files.write(this.host.vm, sink.path, text, true, this.state.user, this.state.umask);
    } catch (e) {
      if (!(e instanceof ToolError)) throw e;
      const errSink = fds.get(2);
      if (errSink && errSink !== sink && errSink.kind === "buf") errSink.chunks.push(`bash: line 1: write error: ${e.message.replace(/^.*: /, "")}\n`);
    }
  }

  private abs(p: string): string {
    return path.posix.resolve(this.state.cwd, p);
  }

  /** run an expanded command line as `user`: builtins first, then the VM's installed tools */
  async runArgv(argv: string[], stdin: string, env: Record<string, string>, line = 1, user = this.state.user): Promise<ExecResult> {
    const [name, ...args] = argv;
    if (name === undefined) return ok("");
    if (BUILTINS.has(name)) return this.builtin(name, args, stdin, env, line, user);
    const base = name.includes("/") ? path.posix.basename(name) : name;
    const tool = this.host.tools.get(base);
    const role = this.host.world.vm(this.host.vm).role;
    const installed = tool !== undefined && (tool.roles === "all" || tool.roles.includes(role));
    if (!tool || !installed) {
      if (name.includes("/")) {
        const st = this.host.files.stat(this.host.vm, this.abs(name));
        const why = st?.type === "directory" ? "Is a directory" : st ? "Permission denied" : "No such file or directory";
        return { stdout: "", stderr: `bash: line ${line}: ${name}: ${why}\n`, code: st ? 126 : 127 };
      }
      return { stdout: "", stderr: `bash: line ${line}: ${name}: command not found\n`, code: 127 };
    }
    try {
      const r = await tool.run({ world: this.host.world, vm: this.host.vm, argv: [base, ...args], stdin, env, cwd: this.state.cwd, user, umask: this.state.umask });
      return r;
    } catch (e) {
      if (e instanceof ToolError) return { stdout: "", stderr: e.message.endsWith("\n") ? e.message : `${e.message}\n`, code: e.code };
      this.host.world.log(`${this.host.vm}: ${base} crashed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      return { stdout: "", stderr: `${base}: internal error\n`, code: 1 };
    }
  }

  private async builtin(name: string, args: string[], stdin: string, env: Record<string, string>, line: number, user: string): Promise<ExecResult> {
    switch (name) {
      case "echo":
        return ok(echo(args));
      case "printf": {
        const r = printf(args);
        return { stdout: r.out, stderr: r.err, code: r.code };
      }
      case "true":
      case ":":
      case "wait":
      case "trap":
        return ok("");
      case "umask":
        return this.umask(args);
      case "false":
        return { stdout: "", stderr: "", code: 1 };
      case "exit": {
        const n = args[0] === undefined ? this.state.status : Number(args[0]);
        if (!Number.isInteger(n)) {
          throw new ExitSignal(2);
        }
        throw new ExitSignal(((n % 256) + 256) % 256);
      }
      case "cd": {
        const target = this.abs(args[0] ?? this.state.vars.get("HOME") ?? "/");
        const st = this.host.files.stat(this.host.vm, target);
        if (!st) return fail(`bash: line ${line}: cd: ${args[0]}: No such file or directory`);
        if (st.type !== "directory") return fail(`bash: line ${line}: cd: ${args[0]}: Not a directory`);
        if (!this.host.files.may(this.host.vm, target, user, "x")) return fail(`bash: line ${line}: cd: ${args[0]}: Permission denied`);
        this.state.cwd = target;
        return ok("");
      }
      case "pwd":
        return ok(`${this.state.cwd}\n`);
      case "test":
      case "[": {
        let a = args;
        if (name === "[") {
          if (a[a.length - 1] !== "]") return { stdout: "", stderr: "bash: [: missing `]'\n", code: 2 };
          a = a.slice(0, -1);
        }
        const r = evalTest(a, (p) => this.host.files.stat(this.host.vm, this.abs(p)), (p, want) => this.host.files.may(this.host.vm, this.abs(p), user, want));
        return { stdout: "", stderr: r.err, code: r.code };
      }
      case "export":
        for (const a of args) {
          const eq = a.indexOf("=");
          const key = eq < 0 ? a : a.slice(0, eq);
          if (eq >= 0) this.state.vars.set(key, a.slice(eq + 1));
          this.state.exported.add(key);
        }
        return ok("");
      case "unset":
        for (const a of args.filter((x) => !x.startsWith("-"))) {
          this.state.vars.delete(a);
          this.state.exported.delete(a);
        }
        return ok("");
      case "set": {
        for (let i = 0; i < args.length; i++) {
          const a = args[i] as string;
          if (a === "-o" || a === "+o") {
            if (args[i + 1] === "pipefail") this.state.pipefail = a === "-o";
            if (args[i + 1] === "errexit") this.state.errexit = a === "-o";
            i++;
          } else if (/^[-+][euxvn]+$/.test(a)) {
            if (a.includes("e")) this.state.errexit = a.startsWith("-");
          } else if (a === "--") {
            this.state.positional = args.slice(i + 1);
            break;
          }
        }
        return ok("");
      }
      case "shift":
        this.state.positional = this.state.positional.slice(Number(args[0] ?? 1));
        return ok("");
      case "read":
        return this.read(args, stdin);
      case "sh":
      case "bash":
        return this.subShell(args, stdin, user, env);
      case "exec":
      case "command":
        return this.command(name, args, stdin, env, line, user);
      case "type":
        return this.type(args, line);
      case "env":
        return this.env(args, stdin, env, line, user);
      case "sudo":
        return this.sudo(args, stdin, env, line, user);
      case "timeout":
        return this.timeout(args, stdin, env, line, user);
      case "sleep": {
        const sec = args.reduce((s, a) => s + (parseDuration(a) ?? 0), 0);
        await new Promise((r) => setTimeout(r, Math.min(sec, 600) * 1000));
        return ok("");
      }
      default:
        return fail(`bash: ${name}: not supported`);
    }
  }

  /** dash's umask: prints the mask as four octal digits, sets it from an octal number */
  private umask(args: string[]): ExecResult {
    const arg = args.find((a) => a !== "-S");
    if (arg === undefined) return ok(`${this.state.umask.toString(8).padStart(4, "0")}\n`);
    if (!/^[0-7]{1,4}$/.test(arg)) return { stdout: "", stderr: `sh: 1: umask: Illegal number: ${arg}\n`, code: 2 };
    this.state.umask = Number.parseInt(arg, 8) & 0o777;
    return ok("");
  }

  private read(args: string[], stdin: string): ExecResult {
    const names = args.filter((a) => !a.startsWith("-"));
    const lineText = stdin.split("\n")[0] ?? "";
    if (stdin === "") return { stdout: "", stderr: "", code: 1 };
    const parts = lineText.trim().split(/[ \t]+/);
    names.forEach((n, i) => this.state.vars.set(n, i === names.length - 1 ? parts.slice(i).join(" ") : parts[i] ?? ""));
    if (names.length === 0) this.state.vars.set("REPLY", lineText);
    return ok("");
  }

  private async subShell(args: string[], stdin: string, user: string, env: Record<string, string>): Promise<ExecResult> {
    let i = 0;
    let script: string | null = null;
    let errexit = false;
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "--") {
        i++;
        break;
      }
      if (!a.startsWith("-") || a === "-") break;
      if (a.includes("e") && !a.startsWith("--")) errexit = true;
      if (a.includes("c") && !a.startsWith("--")) {
        script = args[i + 1] ?? null;
        if (script === null) return { stdout: "", stderr: "bash: -c: option requires an argument\n", code: 2 };
        i += 2;
        break;
      }
    }
    const state = cloneState(this.state);
    state.errexit = errexit;
    state.user = user;
    // a new shell starts from its environment: what was exported, plus VAR=x and sudo's own
    state.vars = new Map(Object.entries(env));
    state.exported = new Set(state.vars.keys());
    const sub = new Shell(this.host, state);
    if (script !== null) {
      state.positional = args.slice(i + 1);
      return sub.run(script, stdin);
    }
    if (args[i] !== undefined) {
      const file = this.abs(args[i] as string);
      let text: string;
      try {
        text = this.host.files.read(this.host.vm, file, user);
      } catch (e) {
        if (e instanceof ToolError) return { stdout: "", stderr: `bash: ${args[i]}: ${e.message.replace(/^.*: /, "")}\n`, code: 127 };
        throw e;
      }
      state.positional = args.slice(i + 1);
      return sub.run(text, "");
    }
    return sub.run(stdin, "");
  }

  private async command(name: string, args: string[], stdin: string, env: Record<string, string>, line: number, user: string): Promise<ExecResult> {
    if (name === "command" && (args[0] === "-v" || args[0] === "-V")) {
      const target = args[1];
      if (target === undefined) return { stdout: "", stderr: "", code: 1 };
      const p = this.locate(target);
      if (!p) return { stdout: "", stderr: "", code: 1 };
      if (args[0] === "-V") return ok(BUILTINS.has(target) ? `${target} is a shell builtin\n` : `${target} is ${p}\n`);
      return ok(`${p}\n`);
    }
    return this.runArgv(args, stdin, env, line, user);
  }

  private type(args: string[], line: number): ExecResult {
    let out = "";
    let err = "";
    let code = 0;
    for (const a of args) {
      const p = this.locate(a);
      if (!p) {
        err += `bash: line ${line}: type: ${a}: not found\n`;
        code = 1;
      } else out += BUILTINS.has(a) ? `${a} is a shell builtin\n` : `${a} is ${p}\n`;
    }
    return { stdout: out, stderr: err, code };
  }

  private locate(name: string): string | null {
    if (BUILTINS.has(name)) return name;
    const base = path.posix.basename(name);
    const tool = this.host.tools.get(base);
    const role = this.host.world.vm(this.host.vm).role;
    if (!tool || (tool.roles !== "all" && !tool.roles.includes(role))) return null;
    return name.includes("/") ? name : this.host.toolPath(base);
  }

  private async env(args: string[], stdin: string, env: Record<string, string>, line: number, user: string): Promise<ExecResult> {
    let i = 0;
    let e: Record<string, string> = { ...env };
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-i" || a === "-") e = {};
      else if (a.startsWith("-u")) {
        delete e[a.length > 2 ? a.slice(2) : (args[++i] ?? "")];
      } else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
        const eq = a.indexOf("=");
        e[a.slice(0, eq)] = a.slice(eq + 1);
      } else break;
    }
    if (i >= args.length) return ok(Object.entries(e).map(([k, v]) => `${k}=${v}\n`).join(""));
    return this.runArgv(args.slice(i), stdin, e, line, user);
  }

  /**
   * sudo as the lab grants it to every login (NOPASSWD for everything): `-u USER` runs as that
   * account, otherwise as root; an unknown account fails as sudo 1.9.13 does.
   */
  private async sudo(args: string[], stdin: string, env: Record<string, string>, line: number, user: string): Promise<ExecResult> {
    let i = 0;
    let target = "root";
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "--") {
        i++;
        break;
      }
      if (a === "-u") target = args[++i] ?? "";
      else if (a.startsWith("-u") && a.length > 2) target = a.slice(2);
      else if (a.startsWith("--user=")) target = a.slice(7);
      else if (a === "-g" || a === "-C" || a === "-p" || a === "-h") i++;
      else if (!a.startsWith("-")) break;
    }
    const rest = args.slice(i);
    if (rest.length === 0) return { stdout: "", stderr: "usage: sudo -h | -K | -k | -V\n", code: 1 };
    const account = this.host.world.access.existing(target);
    if (!account) return { stdout: "", stderr: `sudo: unknown user ${target}\nsudo: error initializing audit plugin sudoers_audit\n`, code: 1 };
    // env_reset: the command sees the target's identity, and SUDO_USER names who asked
    const assignments: Record<string, string> = { HOME: account.home, SHELL: account.shell, USER: account.name, LOGNAME: account.name, SUDO_USER: user };
    while (rest[0] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0])) {
      const a = rest.shift() as string;
      const eq = a.indexOf("=");
      assignments[a.slice(0, eq)] = a.slice(eq + 1);
    }
    const r = await this.runArgv(rest, stdin, { ...env, ...assignments }, line, account.name);
    if (r.code === 127 && r.stderr.includes("command not found")) return { stdout: "", stderr: `sudo: ${rest[0]}: command not found\n`, code: 1 };
    return r;
  }

  private async timeout(args: string[], stdin: string, env: Record<string, string>, line: number, user: string): Promise<ExecResult> {
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-s" || a === "-k" || a === "--signal" || a === "--kill-after") i++;
      else if (a === "--") {
        i++;
        break;
      } else if (!a.startsWith("-") || /^-\d/.test(a)) break;
    }
    const duration = parseDuration(args[i] ?? "");
    if (duration === null) return { stdout: "", stderr: `timeout: invalid time interval '${args[i] ?? ""}'\nTry 'timeout --help' for more information.\n`, code: 125 };
    const rest = args.slice(i + 1);
    if (rest.length === 0) return { stdout: "", stderr: "timeout: missing operand\nTry 'timeout --help' for more information.\n", code: 125 };
    const run = this.runArgv(rest, stdin, env, line, user).then((r) => (r.code === 127 && r.stderr.includes("command not found") ? { stdout: "", stderr: `timeout: failed to run command '${rest[0]}': No such file or directory\n`, code: 127 } : r));
    if (duration === 0) return run;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<ExecResult>((resolve) => {
      timer = setTimeout(() => resolve({ stdout: "", stderr: "", code: 124 }), duration * 1000);
    });
    try {
      return await Promise.race([run, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function ok(stdout: string): ExecResult {
  return { stdout, stderr: "", code: 0 };
}

function fail(message: string, code = 1): ExecResult {
  return { stdout: "", stderr: `${message}\n`, code };
}

function cloneState(s: ShellState): ShellState {
  return { ...s, vars: new Map(s.vars), exported: new Set(s.exported), positional: [...s.positional] };
}

/** "5", "0.5", "2s", "1m", "1h", "1d" in seconds */
export function parseDuration(s: string): number | null {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(s);
  if (!m || m[1] === undefined) return null;
  const n = Number(m[1]);
  const unit = m[2] === "m" ? 60 : m[2] === "h" ? 3600 : m[2] === "d" ? 86400 : 1;
  return n * unit;
}
