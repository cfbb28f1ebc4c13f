import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "@/test/support/lab";
import { type WorkflowLab, operator, startWorkflowLab } from "@/test/support/workflows";

// Issue 10, hole 4: a balancer's ldirectord.cf holds a check's passwd=. Reading it for a person goes into
// the command audit, and a drain edits it; neither the audit nor the run's steps may keep the password.

const SECRET = "Lab-S3cret-pw";
let w: WorkflowLab;

beforeAll(async () => {
  w = await startWorkflowLab({ seed: 11, speed: 10 });
  for (const lb of ["lb1", "lb2"]) {
    const file = path.join(w.lab.dir, "vms", lb, "etc/ha.d/ldirectord.cf");
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain('\treceive="Moodle"\n');
    fs.writeFileSync(file, text.replace('\treceive="Moodle"\n', `\treceive="Moodle"\n\tlogin="monitor"\n\tpasswd="${SECRET}"\n`));
  }
}, 120_000);

afterAll(async () => {
  await w?.stop();
});

describe("secrets on the hosts stay out of the audit and the runs", () => {
  it("the audit of a command that printed ldirectord.cf keeps the file with its passwd masked", async () => {
    const { sshPool, targetOf } = await import("@/lib/ssh");
    const { getCluster } = await import("@/lib/inventory");
    const cluster = getCluster("lab");
    const lb1 = cluster.hosts.find((h) => h.name === "lb1");
    if (!lb1) throw new Error("no lb1 in the lab's inventory");
    const command = `sudo -n /usr/bin/cat ${cluster.balancer.ldirectordConfig}`;
    const result = await sshPool().exec(targetOf(cluster, lb1), command, { purpose: { kind: "action", name: "secrets-test" }, actor: operator.username });
    // the caller gets the file as it is: the console needs it to work
    expect(result.stdout).toContain(`passwd="${SECRET}"`);
    const rows = await pollUntil(
      () => w.db.commandRun.findMany({ where: { purpose: "action:secrets-test" } }),
      (r) => r.length > 0,
      10_000,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.stdout).toContain('\tpasswd="********"\n');
    expect(rows[0]?.stdout).toContain('\tlogin="monitor"\n');
    expect(rows[0]?.stdout).toContain("real=192.168.10.21:80 gate 1");
    expect(JSON.stringify(rows)).not.toContain(SECRET);
  });

  it("a drain and an undrain record a diff of the node's real= lines, and nothing of the password anywhere", async () => {
    const drain = await w.service.startWorkflow({ clusterId: "lab", kind: "drain", params: { host: "web2", threshold: 0 }, overrides: [], acknowledged: true }, operator);
    const wait = await w.untilStep(drain, "drain-wait", ["running"]);
    await w.service.finishWaitEarly(drain, wait, operator);
    const drained = await w.untilStatus(drain, ["succeeded"]);
    const config = drained.steps.find((s) => s.key === "drain-config-web2");
    expect(config?.commands.map((c) => c.host)).toEqual(["lb1", "lb2"]);
    for (const c of config?.commands ?? []) {
      expect(c.stdout.split("\n")).toEqual([
        `--- ${c.host}:/etc/ha.d/ldirectord.cf (the node's real= lines before)`,
        `+++ ${c.host}:/etc/ha.d/ldirectord.cf (the lines sed changed)`,
        "-\treal=192.168.10.21:80 gate 1",
        "+\treal=192.168.10.21:80 gate 0 #clusterdeck-drained-weight=1",
      ]);
    }

    const undrain = await w.service.startWorkflow({ clusterId: "lab", kind: "undrain", params: { host: "web2" }, overrides: [], acknowledged: true }, operator);
    const undrained = await w.untilStatus(undrain, ["succeeded"]);
    const back = undrained.steps.find((s) => s.key === "undrain-config-web2");
    expect(back?.commands[0]?.stdout.split("\n").slice(2)).toEqual(["-\treal=192.168.10.21:80 gate 0 #clusterdeck-drained-weight=1", "+\treal=192.168.10.21:80 gate 1"]);

    // the password is still in the file, and nowhere the console keeps or shows
    expect(fs.readFileSync(path.join(w.lab.dir, "vms", "lb1", "etc/ha.d/ldirectord.cf"), "utf8")).toContain(SECRET);
    const stored = await w.db.workflowRun.findMany({ where: { id: { in: [drain, undrain] } }, include: { steps: true } });
    expect(stored).toHaveLength(2);
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(JSON.stringify([drained, undrained])).not.toContain(SECRET);
    const audit = await w.db.commandRun.findMany({ where: { purpose: { startsWith: "workflow:" } } });
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    const events = await w.db.event.findMany();
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });
});
