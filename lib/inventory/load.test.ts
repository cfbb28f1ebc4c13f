import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblems, parseInventory } from "@/lib/inventory/load";

const example = fs.readFileSync(path.join(process.cwd(), "docs", "clusterdeck.example.yaml"), "utf8");

const minimal = `
clusters:
  - id: staging
    servers: [{ name: A }, { name: B }]
    hosts:
      - { name: web1, role: web, server: A, address: 10.0.0.11, auth: { agent: true } }
    balancer: { vip: 10.0.0.100 }
`;

describe("inventory", () => {
  it("accepts the documented example with every setting", () => {
    const result = parseInventory(example);
    if (!result.ok) throw new Error(formatProblems("example", result.problems));
    const cluster = result.inventory.clusters[0];
    expect(cluster?.hosts).toHaveLength(8);
    expect(cluster?.balancer.ports).toEqual([80, 443]);
    expect(cluster?.hosts.find((h) => h.name === "web1")?.auth).toEqual({
      keyFile: "/etc/clusterdeck/id_ed25519",
      passphraseEnv: "CLUSTERDECK_KEY_PASSPHRASE",
    });
  });

  it("fills sensible defaults for what a small file leaves out", () => {
    const result = parseInventory(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const cluster = result.inventory.clusters[0];
    expect(cluster?.pollIntervalSeconds).toBe(2);
    expect(cluster?.hosts[0]).toMatchObject({ port: 22, user: "clusterdeck", hostKeys: [] });
    expect(cluster?.balancer).toMatchObject({ scheduler: "wlc", persistence: 300, ha: "heartbeat", ports: [80] });
    expect(cluster?.web.dirroot).toBe("/var/www/moodle");
    expect(cluster?.storage.drbdResources).toEqual(["r0"]);
    expect(cluster?.thresholds.replicationLagSeconds).toBe(30);
  });

  it("lists every problem with its path and line, and loads nothing", () => {
    const bad = `
clusters:
  - id: prod
    servers: [{ name: A }, { name: B }]
    hosts:
      - name: web1
        role: webserver
        server: C
        address: 10.0.0.11
        port: 70000
        auth: { keyFile: relative/key }
        hostKeys: ["MD5:aa:bb"]
      - { name: web1, role: web, server: A, address: 10.0.0.12, auth: { agent: true } }
    balancer: { vip: 300.1.2.3, persistence: -5 }
    surprise: true
`;
    const result = parseInventory(bad);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.problems.map((p) => [p.path, p]));
    expect(Object.keys(byPath)).toEqual(
      expect.arrayContaining([
        "clusters.0.hosts.0.role",
        "clusters.0.hosts.0.port",
        "clusters.0.hosts.0.auth.keyFile",
        "clusters.0.hosts.0.hostKeys.0",
        "clusters.0.balancer.vip",
        "clusters.0.balancer.persistence",
        "clusters.0",
      ]),
    );
    expect(byPath["clusters.0.hosts.0.role"]?.line).toBe(7);
    expect(byPath["clusters.0.hosts.0.port"]?.line).toBe(10);
    const text = formatProblems("bad.yaml", result.problems);
    expect(text).toMatch(/surprise/);
    expect(text).toMatch(/line 7, clusters\.0\.hosts\.0\.role:/);
  });

  it("reports cross-field problems: unknown server, duplicate names, two VMs of a role on one server", () => {
    const text = `
clusters:
  - id: prod
    servers: [{ name: A }, { name: B }]
    hosts:
      - { name: web1, role: web, server: C, address: h1, auth: { agent: true } }
      - { name: web2, role: web, server: A, address: h2, auth: { agent: true } }
      - { name: web3, role: web, server: A, address: h3, auth: { agent: true } }
      - { name: web3, role: db, server: B, address: h4, auth: { agent: true } }
    balancer: { vip: 10.0.0.1 }
    web: { releaseSource: { host: nowhere, path: /srv/r } }
`;
    const result = parseInventory(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.problems.map((p) => p.message).join("\n");
    expect(messages).toMatch(/unknown physical server "C"/);
    expect(messages).toMatch(/duplicate host name "web3"/);
    expect(messages).toMatch(/physical server "A" has 2 web VMs/);
    expect(messages).toMatch(/unknown host "nowhere"/);
  });

  it.each([
    ["empty file", ""],
    ["not a mapping", "- just\n- a list\n"],
    ["YAML syntax error", "clusters: [\n  - id: x\n"],
    ["duplicate keys", "clusters: []\nclusters: []\n"],
    ["no clusters", "clusters: []\n"],
  ])("refuses %s with a reason", (_name, text) => {
    const result = parseInventory(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.length).toBeGreaterThan(0);
  });
});
