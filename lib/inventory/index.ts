import "server-only";
import fs from "node:fs";
import { inventoryPath } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { formatProblems, readInventoryFile } from "@/lib/inventory/load";
import type { ClusterSpec, HostSpec, Inventory } from "@/lib/inventory/schema";

export type { ClusterSpec, HostSpec, Inventory } from "@/lib/inventory/schema";

interface Loaded {
  file: string;
  mtimeMs: number;
  inventory: Inventory;
}

let loaded: Loaded | undefined;

/**
 * The inventory in force. Re-read when the file changes (the lab rewrites its own on restart);
 * an invalid file is refused whole with every problem listed.
 */
export function getInventory(): Inventory {
  const { path: file, source } = inventoryPath();
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    const hint = source === "lab" ? " (start the lab with `npm run lab`, or `npm start` which starts it for you)" : "";
    throw new AppError("InventoryInvalid", `inventory ${file} not found${hint}`);
  }
  if (loaded && loaded.file === file && loaded.mtimeMs === mtimeMs) return loaded.inventory;
  const result = readInventoryFile(file);
  if (!result.ok) throw new AppError("InventoryInvalid", formatProblems(file, result.problems), { problems: result.problems });
  loaded = { file, mtimeMs, inventory: result.inventory };
  return result.inventory;
}

export function getCluster(id: string): ClusterSpec {
  const cluster = getInventory().clusters.find((c) => c.id === id);
  if (!cluster) throw new AppError("NotFound", `no cluster "${id}" in the inventory`);
  return cluster;
}

export function hostsOnServer(cluster: ClusterSpec, server: string): HostSpec[] {
  return cluster.hosts.filter((h) => h.server === server);
}
