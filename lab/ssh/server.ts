import { timingSafeEqual } from "node:crypto";
import net from "node:net";
import ssh2 from "ssh2";
import type { AuthContext, Connection, ParsedKey, ServerChannel, Session } from "ssh2";
import type { ExecResult, VmName } from "../model/types";
import { parseOne } from "./keys";
import type { HostKey } from "./keys";

/** what the SSH layer needs from the lab: run a command line, or open an interactive shell */
export interface SshBackend {
  exec(vm: VmName, user: string, command: string, env: Record<string, string>): Promise<ExecResult>;
  openShell(vm: VmName, user: string): InteractiveShell;
}

export interface InteractiveShell {
  prompt(): string;
  run(line: string): Promise<ExecResult & { exit: boolean }>;
  close(): void;
}

interface Conn {
  socket: net.Socket;
  /** power epoch the connection was made in; a different epoch means the VM lost power since */
  epoch: number;
}

/**
 * One VM's sshd. A powered-off VM behaves like a dead host: TCP connects (loopback cannot
 * refuse silently) but nothing is ever answered, and live sessions hang until power returns.
 */
export class VmSshServer {
  private readonly tcp: net.Server;
  private ssh: ssh2.Server;
  private readonly conns = new Map<string, Conn>();
  private readonly parked = new Set<net.Socket>();
  private epoch = 0;
  private up = true;
  private readonly allowed: ParsedKey;

  constructor(
    readonly vm: VmName,
    hostKey: HostKey,
    clientPublicKey: string,
    private readonly backend: SshBackend,
  ) {
    this.allowed = parseOne(clientPublicKey);
    this.ssh = this.sshServer(hostKey);
    this.tcp = net.createServer((socket) => this.onSocket(socket));
  }

  private sshServer(hostKey: HostKey): ssh2.Server {
    const ssh = new ssh2.Server({ hostKeys: [hostKey.privateKey], ident: "OpenSSH_9.2p1 Debian-2+deb12u3" }, (client, info) => this.onClient(client, `${info.ip}:${info.port}`));
    ssh.on("error", () => {});
    return ssh;
  }

  /**
   * sshd restarted with a new host key, on the same port: open sessions are cut (as a restart
   * after a reinstall does) and every new connection is offered the new key.
   */
  rekey(hostKey: HostKey): void {
    this.ssh = this.sshServer(hostKey);
    for (const c of this.conns.values()) c.socket.destroy();
    this.conns.clear();
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.tcp.once("error", onError);
      this.tcp.listen(port, "127.0.0.1", () => {
        this.tcp.off("error", onError);
        const addr = this.tcp.address();
        resolve(typeof addr === "object" && addr ? addr.port : port);
      });
    });
  }

  setPower(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    this.epoch++;
    if (!up) {
      for (const c of this.conns.values()) c.socket.pause();
      return;
    }
    for (const c of this.conns.values()) c.socket.destroy();
    this.conns.clear();
    for (const s of this.parked) s.destroy();
    this.parked.clear();
  }

  close(): Promise<void> {
    for (const c of this.conns.values()) c.socket.destroy();
    for (const s of this.parked) s.destroy();
    return new Promise((resolve) => this.tcp.close(() => resolve()));
  }

  private onSocket(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    if (!this.up) {
      this.parked.add(socket);
      socket.pause();
      socket.on("close", () => this.parked.delete(socket));
      return;
    }
    const key = `${socket.remoteAddress ?? ""}:${socket.remotePort ?? 0}`;
    this.conns.set(key, { socket, epoch: this.epoch });
    socket.on("close", () => this.conns.delete(key));
    this.ssh.injectSocket(socket);
  }

  private alive(key: string): boolean {
    const c = this.conns.get(key);
    return this.up && c !== undefined && c.epoch === this.epoch;
  }

  private onClient(client: Connection, key: string): void {
    let user = "clusterdeck";
    client.on("error", () => {});
    client.on("authentication", (ctx: AuthContext) => {
      user = ctx.username;
      if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
      const want = this.allowed.getPublicSSH();
      const same = ctx.key.algo === this.allowed.type && ctx.key.data.length === want.length && timingSafeEqual(ctx.key.data, want);
      if (!same) return ctx.reject(["publickey"]);
      if (ctx.signature && ctx.blob) {
        return this.allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(["publickey"]);
      }
      return ctx.accept();
    });
    client.on("ready", () => {
      client.on("session", (accept) => this.onSession(accept(), key, () => user));
    });
  }

  private onSession(session: Session, key: string, user: () => string): void {
    const env: Record<string, string> = {};
    let pty = false;
    session.on("env", (accept, _reject, info) => {
      env[info.key] = info.val;
      accept?.();
    });
    session.on("pty", (accept) => {
      pty = true;
      accept?.();
    });
    session.on("window-change", (accept) => accept?.());
    session.on("signal", (accept) => accept?.());
    session.on("subsystem", (_accept, reject) => reject?.());
    session.on("exec", (accept, _reject, info) => {
      const stream = accept();
      this.backend
        .exec(this.vm, user(), info.command, env)
        .catch((err: unknown): ExecResult => ({ stdout: "", stderr: `lab: ${err instanceof Error ? err.message : String(err)}\n`, code: 255 }))
        .then((r) => {
          if (!this.alive(key)) return;
          if (r.stdout) stream.write(r.stdout);
          if (r.stderr) stream.stderr.write(r.stderr);
          stream.exit(r.code);
          stream.end();
        });
    });
    session.on("shell", (accept) => {
      const stream = accept();
      this.interactive(stream, key, user(), pty);
    });
  }

  private interactive(stream: ServerChannel, key: string, user: string, pty: boolean): void {
    const shell = this.backend.openShell(this.vm, user);
    const nl = (s: string): string => (pty ? s.replace(/\r?\n/g, "\r\n") : s);
    const write = (s: string): void => {
      if (this.alive(key) && s) stream.write(nl(s));
    };
    let line = "";
    let busy: Promise<void> = Promise.resolve();
    let closed = false;
    const finish = (code: number): void => {
      if (closed) return;
      closed = true;
      shell.close();
      if (!this.alive(key)) return;
      stream.exit(code);
      stream.end();
    };
    if (pty) write(shell.prompt());
    const submit = (text: string): void => {
      busy = busy.then(async () => {
        if (closed) return;
        const r = await shell.run(text);
        write(r.stdout);
        if (r.stderr) {
          if (pty) write(r.stderr);
          else if (this.alive(key)) stream.stderr.write(r.stderr);
        }
        if (r.exit) return finish(r.code);
        if (pty) write(shell.prompt());
      });
    };
    let escape = false;
    stream.on("data", (data: Buffer) => {
      if (!this.alive(key)) return;
      for (const ch of data.toString("utf8")) {
        if (escape) {
          if (/[A-Za-z~]/.test(ch)) escape = false;
          continue;
        }
        if (ch === "\x1b") {
          escape = true;
        } else if (ch === "\r" || ch === "\n") {
          if (pty) write("\n");
          submit(line);
          line = "";
        } else if (ch === "\x7f" || ch === "\b") {
          if (line.length) {
            line = line.slice(0, -1);
            if (pty) write("\b \b");
          }
        } else if (ch === "\x03") {
          line = "";
          if (pty) write(`^C\n${shell.prompt()}`);
        } else if (ch === "\x04") {
          if (line === "") busy = busy.then(() => finish(0));
        } else {
          line += ch;
          if (pty) write(ch);
        }
      }
    });
    stream.on("end", () => {
      if (line) submit(line);
      busy = busy.then(() => finish(0));
    });
    stream.on("close", () => {
      closed = true;
      shell.close();
    });
  }
}
