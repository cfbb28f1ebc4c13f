import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import { z } from "zod";
import { FAULT_KINDS, FaultError } from "../model/faults";
import type { Simulation } from "../model/simulation";
import { VMS } from "../model/types";
import type { FaultKind, VmName } from "../model/types";

export const FaultInput = z
  .object({
    kind: z.enum(FAULT_KINDS as [FaultKind, ...FaultKind[]]),
    target: z.string().max(100).default(""),
  })
  .strict();
export type FaultInput = z.infer<typeof FaultInput>;

export const SpeedInput = z.object({ speed: z.number().positive().max(1000) }).strict();
export type SpeedInput = z.infer<typeof SpeedInput>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ControlOptions {
  sim: Simulation;
  token: string;
  /** where each VM's sshd listens and its host key, merged into /truth */
  hosts: () => readonly { name: string; port: number; fingerprint: string }[];
  /** the site through the VIP (the lab's HTTP front), shown in /truth */
  siteUrl: string;
  /** give a VM a new host key and restart its sshd on the same port; returns its port and new fingerprint */
  rekey?: (vm: VmName) => { name: string; port: number; fingerprint: string };
}

const MAX_BODY = 64 * 1024;

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, "request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, "the body is not valid JSON"));
      }
    });
    req.on("error", reject);
  });
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
  throw new HttpError(400, `invalid input: ${issues.join("; ")}`, r.error.issues);
}

function authorized(req: http.IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer (.+)$/.exec(header);
  if (!m || m[1] === undefined) return false;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** the lab's own control API on loopback: truth, faults and speed, behind a bearer token */
export function createControlServer(opts: ControlOptions): http.Server {
  const { sim, token } = opts;
  const route = async (req: http.IncomingMessage): Promise<{ status: number; body: unknown }> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const p = url.pathname.replace(/\/+$/, "") || "/";
    sim.sync();
    if (p === "/truth" && method === "GET") {
      const truth = sim.truth();
      const hosts = opts.hosts();
      const vms = truth.vms.map((vm) => {
        const h = hosts.find((x) => x.name === vm.name);
        return { ...vm, sshPort: h?.port ?? null, fingerprint: h?.fingerprint ?? null };
      });
      return { status: 200, body: { ...truth, vms, site: { url: opts.siteUrl } } };
    }
    if (p === "/faults" && method === "GET") return { status: 200, body: { faults: sim.faults.list() } };
    if (p === "/faults" && method === "POST") {
      const input = parseWith(FaultInput, await readBody(req));
      return { status: 201, body: { fault: sim.faults.inject(input.kind, input.target) } };
    }
    if (p === "/faults/clear" && method === "POST") {
      const input = parseWith(FaultInput, await readBody(req));
      const fault = sim.faults.clearMatching(input.kind, input.target);
      if (!fault) throw new HttpError(404, `no active ${input.kind} fault${input.target ? ` on ${input.target}` : ""}`);
      return { status: 200, body: { cleared: fault } };
    }
    const del = /^\/faults\/([A-Za-z0-9_-]+)$/.exec(p);
    if (del && del[1] !== undefined && method === "DELETE") {
      const fault = sim.faults.clear(del[1]);
      if (!fault) throw new HttpError(404, `no active fault with id ${del[1]}`);
      return { status: 200, body: { cleared: fault } };
    }
    if (p === "/speed" && method === "POST") {
      const input = parseWith(SpeedInput, await readBody(req));
      sim.setSpeed(input.speed);
      return { status: 200, body: { speed: sim.clock.speed } };
    }
    const rekey = /^\/hosts\/([A-Za-z0-9_-]+)\/rekey$/.exec(p);
    if (rekey && rekey[1] !== undefined && method === "POST") {
      const vm = VMS.find((v) => v === rekey[1]);
      if (!vm) throw new HttpError(404, `no VM ${rekey[1]}; the VMs are ${VMS.join(", ")}`);
      if (!opts.rekey) throw new HttpError(501, "this lab cannot change host keys");
      const { name, port, fingerprint } = opts.rekey(vm);
      return { status: 200, body: { host: name, sshPort: port, fingerprint } };
    }
    const known = ["/truth", "/faults", "/faults/clear", "/speed"].includes(p) || del !== null || rekey !== null;
    throw new HttpError(known ? 405 : 404, known ? `${method} is not allowed on ${p}` : `no such endpoint ${p}`);
  };
  return http.createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body, null, 2);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(`${text}\n`);
    };
    if (!authorized(req, token)) {
      res.setHeader("www-authenticate", 'Bearer realm="clusterdeck-lab"');
      send(401, { error: "unauthorized: send Authorization: Bearer <token> (see control.json in the lab directory)" });
      req.resume();
      return;
    }
    route(req)
      .then((r) => send(r.status, r.body))
      .catch((err: unknown) => {
        if (err instanceof HttpError) send(err.status, { error: err.message, ...(err.details ? { issues: err.details } : {}) });
        else if (err instanceof FaultError) send(400, { error: err.message });
        else send(500, { error: err instanceof Error ? err.message : String(err) });
      });
  });
}
