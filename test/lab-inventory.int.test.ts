import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startLab } from "@/lab/index";
import type { LabHandle } from "@/lab/index";
import { Inventory } from "@/lib/inventory/schema";

// lab/ may not import lib/, so the check that the lab's inventory satisfies the console's schema lives here.
let lab: LabHandle;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-inventory-"));
  lab = await startLab({ dir, basePort: 0, controlPort: 0, seed: 3, quiet: true, traffic: false });
});

afterAll(async () => {
  await lab?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the lab's inventory.yaml", () => {
  it("passes the console's inventory schema", () => {
    const result = Inventory.safeParse(parse(fs.readFileSync(lab.inventoryPath, "utf8")));
    expect(result.success ? [] : result.error.issues).toEqual([]);
    if (!result.success) return;
    const [cluster] = result.data.clusters;
    expect(cluster?.hosts).toHaveLength(8);
    expect(cluster?.balancer).toMatchObject({ vip: "203.0.113.10", ports: [80], persistence: 300, ha: "heartbeat" });
  });

  it("keeps host keys stable across restarts", async () => {
    const before = lab.hosts.map((h) => h.fingerprint);
    await lab.stop();
    lab = await startLab({ dir, basePort: 0, controlPort: 0, seed: 3, quiet: true, traffic: false });
    expect(lab.hosts.map((h) => h.fingerprint)).toEqual(before);
  });
});
