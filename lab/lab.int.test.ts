import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Client } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startLab } from "./index";
import type { LabHandle } from "./index";
import { connect, exec } from "./__tests__/ssh-client";

let lab: LabHandle;
let dir: string;
const clients: Client[] = [];

interface InventoryHost {
  name: string;
  port: number;
  hostKeys: string[];
  auth: { keyFile: string };
}

function inventoryHosts(): InventoryHost[] {
  const doc = parse(fs.readFileSync(lab.inventoryPath, "utf8")) as { clusters: { hosts: InventoryHost[] }[] };
  return doc.clusters[0]?.hosts ?? [];
}

function host(name: string): InventoryHost {
  const h = inventoryHosts().find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name} in the inventory`);
  return h;
}

async function open(name: string, readyTimeout = 5000): Promise<Client> {
  const h = host(name);
  const c = await connect(h.port, h.auth.keyFile, h.hostKeys[0] ?? "", readyTimeout);
  clients.push(c);
  return c;
}

async function control(method: string, route: string, body?: unknown, token: string | null = lab.token): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${lab.controlUrl}${route}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-int-"));
  lab = await startLab({ dir, basePort: 0, controlPort: 0, speed: 10, seed: 42, quiet: true });
});

afterAll(async () => {
  for (const c of clients) c.end();
  await lab?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the lab over SSH", () => {
  it("writes an inventory whose ports and pinned keys are the servers'", () => {
    const hosts = inventoryHosts();
    expect(hosts.map((h) => h.name)).toEqual(["lb1", "web1", "fs1", "db1", "lb2", "web2", "fs2", "db2"]);
    for (const h of hosts) {
      const live = lab.hosts.find((x) => x.name === h.name);
      expect(h.port).toBe(live?.port);
      expect(h.hostKeys).toEqual([live?.fingerprint]);
      expect(h.hostKeys[0]).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    }
    expect(fs.existsSync(path.join(dir, "lab.pid"))).toBe(true);
    expect(fs.statSync(path.join(dir, "control.json")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(lab.clientKeyPath).mode & 0o777).toBe(0o600);
  });

  it("refuses a connection whose host key is not the pinned one", async () => {
    const h = host("web1");
    await expect(connect(h.port, h.auth.keyFile, "SHA256:wrongwrongwrongwrongwrongwrongwrongwrongwro")).rejects.toThrow();
  });

  it("answers the balancer probes", async () => {
    const c = await open("lb1");
    const ipvs = await exec(c, "ipvsadm -Ln");
    expect(ipvs.code).toBe(0);
    expect(ipvs.stdout).toMatch(/^IP Virtual Server version 1\.2\.1 \(size=4096\)\nProt LocalAddress:Port Scheduler Flags\n {2}-> RemoteAddress:Port {11}Forward Weight ActiveConn InActConn\nTCP {2}203\.0\.113\.10:80 wlc persistent 300\n/);
    expect(ipvs.stdout).toMatch(/ {2}-> 192\.168\.10\.11:80 {13}Route {3}1 /);
    const addr = await exec(c, "ip -o addr show");
    expect(addr.stdout).toContain("2: eth0    inet 203.0.113.10/24 brd 203.0.113.255 scope global secondary eth0\\       valid_lft forever preferred_lft forever\n");
    const load = await exec(c, "cat /proc/loadavg");
    expect(load).toEqual({ stdout: expect.stringMatching(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\/\d+ \d+\n$/), stderr: "", code: 0 });
  });

  it("runs unknown commands as bash does, and the console's batch framing", async () => {
    const c = await open("web2");
    expect(await exec(c, "definitely-not-a-tool")).toEqual({ stdout: "", stderr: "bash: line 1: definitely-not-a-tool: command not found\n", code: 127 });
    const batch = await exec(c, "echo @@b-0 ; echo @@b-0 >&2 ; timeout 5 cat /proc/loadavg ; echo @@e-0-$? ; echo @@e-0 >&2");
    expect(batch.stdout).toMatch(/^@@b-0\n.+\n@@e-0-0\n$/);
    expect(batch.stderr).toBe("@@b-0\n@@e-0\n");
    expect(batch.code).toBe(0);
  });

  it("serves many execs over one connection", async () => {
    const c = await open("db1");
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => exec(c, `echo ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `${i}\n`));
  });

  it("works with the OpenSSH client, for a command and for a shell", async () => {
    const h = host("lb2");
    const base = ["-i", h.auth.keyFile, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-p", String(h.port), "clusterdeck@127.0.0.1"];
    const run = (args: string[], input?: string): Promise<{ stdout: string; code: number }> =>
      new Promise((resolve) => {
        const child = execFile("ssh", args, { timeout: 20_000 }, (err, stdout) => {
          resolve({ stdout, code: err ? Number((err as { code?: number }).code ?? 1) : 0 });
        });
        if (input !== undefined) child.stdin?.end(input);
        else child.stdin?.end();
      });
    const r = await run([...base, "ipvsadm -Ln"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("TCP  203.0.113.10:80 wlc persistent 300\n");
    const sh = await run(["-T", ...base], "hostname\ncd /etc && pwd\nexit 3\n");
    expect(sh).toEqual({ stdout: "lb2\n/etc\n", code: 3 });
  });
});

describe("the site through the VIP over HTTP", () => {
  const truthWeb = async (): Promise<Record<string, { maintenanceFlag: boolean; serves: unknown }>> =>
    ((await control("GET", "/truth")).json.tiers as { web: { nodes: Record<string, { maintenanceFlag: boolean; serves: unknown }> } }).web.nodes;

  it("is announced in the inventory, control.json and /truth", async () => {
    expect(lab.siteUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const doc = parse(fs.readFileSync(lab.inventoryPath, "utf8")) as { clusters: { siteUrl: string }[] };
    expect(doc.clusters[0]?.siteUrl).toBe(lab.siteUrl);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "control.json"), "utf8"))).toMatchObject({ siteUrl: lab.siteUrl });
    expect((await control("GET", "/truth")).json.site).toEqual({ url: lab.siteUrl });
  });

  it("answers like Moodle on the node LVS picked, with path and query passed through", async () => {
    const home = await fetch(lab.siteUrl);
    expect(home.status).toBe(200);
    expect(home.headers.get("server")).toBe("Apache/2.4.71 (Debian)");
    expect(await home.text()).toContain("ClusterDeck Moodle");
    expect((await fetch(`${lab.siteUrl}login/index.php?lang=en`)).status).toBe(200);
    expect((await fetch(`${lab.siteUrl}no/such/page.php?x=1`)).status).toBe(404);
    expect((await fetch(`${lab.siteUrl}server-status?auto`)).status).toBe(403);
  });

  it("serves the maintenance flag file (from the dataroot's template) as a 503 while maintenance is on", async () => {
    const web1 = await open("web1");
    await exec(web1, "echo '<p>Upgrade until 10:00</p>' | sudo -n tee /var/moodledata/climaintenance.template.html >/dev/null");
    const on = await exec(web1, "sudo -n -u www-data php /var/www/moodle/admin/cli/maintenance.php --enable");
    expect(on.code).toBe(0);
    const res = await fetch(lab.siteUrl);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("<p>Upgrade until 10:00</p>\n");
    expect(Object.values(await truthWeb()).map((n) => n.maintenanceFlag)).toEqual([true, true]);
    await exec(web1, "sudo -n -u www-data php /var/www/moodle/admin/cli/maintenance.php --disable; rm -f /var/moodledata/climaintenance.template.html");
    expect((await fetch(lab.siteUrl)).status).toBe(200);
    expect(Object.values(await truthWeb()).map((n) => n.maintenanceFlag)).toEqual([false, false]);
  });

  it("gives no answer at all when no web node can take the connection", async () => {
    const a = await control("POST", "/faults", { kind: "service-stop", target: "web1:apache2" });
    const b = await control("POST", "/faults", { kind: "service-stop", target: "web2:apache2" });
    try {
      await expect(fetch(lab.siteUrl)).rejects.toThrow();
    } finally {
      await control("DELETE", `/faults/${(a.json.fault as { id: string }).id}`);
      await control("DELETE", `/faults/${(b.json.fault as { id: string }).id}`);
    }
    await until(async () => (await fetch(lab.siteUrl).then((r) => r.status, () => 0)) === 200, 10_000);
  });
});

describe("faults through the control API", () => {
  it("needs the token", async () => {
    expect((await control("GET", "/truth", undefined, null)).status).toBe(401);
    expect((await control("GET", "/truth", undefined, "not-the-token")).status).toBe(401);
  });

  it("rejects bad input with 400 and a reason", async () => {
    const cases: [string, string, unknown][] = [
      ["POST", "/faults", { kind: "meteor", target: "web1" }],
      ["POST", "/faults", { kind: "vm-off", target: "web9" }],
      ["POST", "/faults", { kind: "vm-off", target: "web1", extra: 1 }],
      ["POST", "/faults", "{not json"],
      ["POST", "/speed", { speed: -1 }],
      ["POST", "/faults/clear", { kind: "link-cut", target: 5 }],
    ];
    for (const [method, route, body] of cases) {
      const r = await control(method, route, body);
      expect(r.status, `${method} ${route} ${JSON.stringify(body)}`).toBe(400);
      expect(typeof r.json.error).toBe("string");
    }
    expect((await control("DELETE", "/faults/f999")).status).toBe(404);
    expect((await control("GET", "/nope")).status).toBe(404);
  });

  it("tells the truth", async () => {
    const t = await control("GET", "/truth");
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ seed: 42, speed: 10, link: true, servers: { A: true, B: true } });
    expect(Array.isArray(t.json.vms)).toBe(true);
    expect(t.json.balancers).toMatchObject({ vipHolders: ["lb1"] });
  });

  it("vm-off freezes the VM and heartbeat moves the VIP to lb2 after the deadtime", async () => {
    const before = await open("lb1");
    const r = await control("POST", "/faults", { kind: "vm-off", target: "lb1" });
    expect(r.status).toBe(201);
    const fault = r.json.fault as { id: string };
    await expect(exec(before, "hostname", 1000)).rejects.toThrow(/no answer/);
    await expect(open("lb1", 1500)).rejects.toThrow();
    const lb2 = await open("lb2");
    await until(async () => (await exec(lb2, "ip -o -4 addr show eth0")).stdout.includes("203.0.113.10/24"), 10_000);
    expect((await exec(lb2, "cl_status rscstatus")).stdout).toBe("all\n");
    expect((await control("GET", "/faults")).json.faults).toHaveLength(1);
    expect((await control("DELETE", `/faults/${fault.id}`)).status).toBe(200);
    const back = await open("lb1");
    expect((await exec(back, "hostname")).stdout).toBe("lb1\n");
    // a rejoining heartbeat says "transition" until its initial resource acquisition is through (about a second)
    await until(async () => (await exec(back, "cl_status rscstatus")).stdout === "none\n", 10_000);
  });

  it("clears a fault by kind and target", async () => {
    expect((await control("POST", "/faults", { kind: "link-cut" })).status).toBe(201);
    const cleared = await control("POST", "/faults/clear", { kind: "link-cut", target: "" });
    expect(cleared.status).toBe(200);
    expect((await control("GET", "/faults")).json.faults).toEqual([]);
  });
});
