import "server-only";
import fs from "node:fs";
import { inventoryPath } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { formatProblems, readInventoryFile } from "@/lib/inventory/load";
import type { ClusterSpec, HostSpec, Inventory } from "@/lib/inventory/schema";

export type { ClusterSpec, HostSpec, Inventory } from "@/lib/inventory/schema";

export interface Loaded {
  file: string;
  mtimeMs: number;
  inventory: Inventory;
}

// Next loads separate copies of this module for pages and route handlers: the cache lives on
// globalThis so that every caller sees one inventory object, and collectors are not rebuilt.
const g = globalThis as unknown as { clusterdeckInventory?: Loaded };

/**
 * The inventory in force. Re-read when the file changes (the lab rewrites its own on restart);
 * an invalid file is refused whole with every problem listed.
 */
export function getInventory(): Inventory {
  return loadInventory().inventory;
}

/** The inventory with the file and modification time it was read from (its identity). */
export function loadInventory(): Loaded {
  const { path: file, source } = inventoryPath();
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    const hint = source === "lab" ? " (start the lab with `npm run lab`, or `npm start` which starts it for you)" : "";
    throw new AppError("InventoryInvalid", `inventory ${file} not found${hint}`);
  }
  const loaded = g.clusterdeckInventory;
  if (loaded && loaded.file === file && loaded.mtimeMs === mtimeMs) return loaded;
  const result = readInventoryFile(file);
  if (!result.ok) throw new AppError("InventoryInvalid", formatProblems(file, result.problems), { problems: result.problems });
  g.clusterdeckInventory = { file, mtimeMs, inventory: result.inventory };
  return g.clusterdeckInventory;
}

export function getCluster(id: string): ClusterSpec {
  const cluster = getInventory().clusters.find((c) => c.id === id);
  if (!cluster) throw new AppError("NotFound", `no cluster "${id}" in the inventory`);
  return cluster;
}

export function hostsOnServer(cluster: ClusterSpec, server: string): HostSpec[] {
  return cluster.hosts.filter((h) => h.server === server);
}
