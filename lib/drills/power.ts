import "server-only";
import fs from "node:fs";
import { AppError, errorMessage } from "@/lib/errors";
import type { ClusterSpec } from "@/lib/inventory/schema";

/**
 * Physical power, for the whole-server drill. Only the lab can be switched from the console (its
 * control API, named by the inventory's labControl); on a real cluster the operator does it and the
 * drill waits for them.
 */

export function canSwitchPower(cluster: ClusterSpec): boolean {
  return cluster.labControl !== undefined;
}

export async function setServerPower(cluster: ClusterSpec, server: string, on: boolean): Promise<string> {
  if (!cluster.labControl) throw new AppError("InvalidInput", "this cluster's power cannot be switched from the console");
  let control: { url: string; token: string };
  try {
    control = JSON.parse(fs.readFileSync(cluster.labControl, "utf8")) as { url: string; token: string };
  } catch (err) {
    throw new AppError("HostUnreachable", `the lab's control file ${cluster.labControl} cannot be read: ${errorMessage(err)}`);
  }
  const route = on ? "/faults/clear" : "/faults";
  const res = await fetch(`${control.url}${route}`, {
    method: "POST",
    headers: { authorization: `Bearer ${control.token}`, "content-type": "application/json" },
    body: JSON.stringify({ kind: "server-off", target: server }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  // clearing power that is already on answers 404: nothing to clear, which is what we want
  if (!res.ok && !(on && res.status === 404)) throw new AppError("HostUnreachable", `lab control ${route}: ${res.status} ${text}`);
  return `${on ? "power on" : "power off"} server ${server}: ${res.status}`;
}
