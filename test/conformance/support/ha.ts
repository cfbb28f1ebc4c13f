import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { NOTIFY_SCRIPT } from "@/lib/probes/keepalived-state";
import { type ConformanceHost, NETWORK_PREFIX, startHost } from "@/test/conformance/support/host";
import { until } from "@/test/conformance/support/wait";

// Two balancers for heartbeat and keepalived, as two VMs would be: besides the harness's own network and mount
// namespaces, each gets what these daemons keep per machine. heartbeat names nodes by `uname -n`, which the harness
// sets per host (its UTS namespace); /run is a tmpfs of its own (heartbeat.pid, keepalived.pid, heartbeat's API socket, the notify records);
// /etc/ha.d, /etc/keepalived and /var/lib/heartbeat (the node's uuid) are private copies.

export const HA_DIRS = ["/etc/ha.d", "/etc/keepalived", "/var/lib/heartbeat"];

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8" });
}

/** A conformance host ready for heartbeat and keepalived, named `name` for them (lb1, lb2). */
export async function startBalancerHost(name: string): Promise<ConformanceHost> {
  const host = await startHost({ name, privateDirs: HA_DIRS });
  try {
    await host.must(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/run"]);
    await host.must(["mkdir", "-p", "/run/sshd", "/run/lock", "/run/sudo"]);
    await host.must(["chmod", "1777", "/run/lock"]);
    return host;
  } catch (error) {
    await host.stop();
    throw error;
  }
}

/** heartbeat between the two hosts over unicast, the VIP an IPaddr2 resource of `owner` (haresources). */
export function writeHeartbeat(hosts: readonly ConformanceHost[], vip: string, owner: string, options: { autoFailback?: boolean } = {}): void {
  for (const h of hosts) {
    const peer = hosts.find((p) => p !== h);
    if (!peer) throw new Error("heartbeat needs two hosts");
    fs.writeFileSync(
      h.path("/etc/ha.d/ha.cf"),
      [
        "logfile /etc/ha.d/ha-log",
        "debugfile /etc/ha.d/ha-debug",
        "keepalive 1",
        "warntime 3",
        "deadtime 5",
        "initdead 10",
        "udpport 694",
        `ucast eth0 ${peer.address}`,
        `auto_failback ${options.autoFailback ? "on" : "off"}`,
        ...hosts.map((n) => `node ${n.name}`),
        "",
      ].join("\n"),
    );
    fs.writeFileSync(h.path("/etc/ha.d/authkeys"), "auth 1\n1 sha1 clusterdeck-conformance\n", { mode: 0o600 });
    fs.chmodSync(h.path("/etc/ha.d/authkeys"), 0o600);
    fs.writeFileSync(h.path("/etc/ha.d/haresources"), `${owner} IPaddr2::${vip}/${NETWORK_PREFIX}/eth0\n`);
  }
}

export interface KeepalivedOptions {
  priority: number;
  state?: "MASTER" | "BACKUP";
  nopreempt?: boolean;
  preemptDelay?: number;
}

/**
 * keepalived with one VRRP instance carrying the VIP, unicast to the peer (other test runs share the bridge),
 * a track script that fails while /etc/keepalived/healthy is missing (FAULT), and the notify script of
 * docs/keepalived.md.
 */
export function writeKeepalived(host: ConformanceHost, peer: ConformanceHost, vip: string, routerId: number, o: KeepalivedOptions): void {
  const notify = host.path("/etc/keepalived/clusterdeck-notify.sh");
  fs.writeFileSync(notify, NOTIFY_SCRIPT, { mode: 0o755 });
  fs.chmodSync(notify, 0o755);
  fs.writeFileSync(host.path("/etc/keepalived/healthy"), "");
  fs.writeFileSync(
    host.path("/etc/keepalived/keepalived.conf"),
    `global_defs {
    router_id ${host.name}
    enable_script_security
    script_user root
}

vrrp_script chk_healthy {
    script "/usr/bin/test -e /etc/keepalived/healthy"
    interval 1
    fall 1
    rise 1
}

vrrp_instance VI_CD {
    state ${o.state ?? "BACKUP"}
    interface eth0
    virtual_router_id ${routerId}
    priority ${o.priority}
    advert_int 1
${o.nopreempt ? "    nopreempt\n" : ""}${o.preemptDelay ? `    preempt_delay ${o.preemptDelay}\n` : ""}    unicast_src_ip ${host.address}
    unicast_peer {
        ${peer.address}
    }
    authentication {
        auth_type PASS
        auth_pass cdconf
    }
    virtual_ipaddress {
        ${vip}/${NETWORK_PREFIX} dev eth0
    }
    track_script {
        chk_healthy
    }
    notify /etc/keepalived/clusterdeck-notify.sh
}
`,
    { mode: 0o600 },
  );
}

/** whether the host holds the address, asked as root inside it (the test's truth, not the console's reading) */
export async function holds(host: ConformanceHost, address: string): Promise<boolean> {
  const out = await host.must(["ip", "-o", "-4", "addr", "show", "dev", "eth0"]);
  return out.includes(` ${address}/`);
}

/** which of the hosts hold the address now */
export async function holders(hosts: readonly ConformanceHost[], address: string): Promise<string[]> {
  const held = await Promise.all(hosts.map((h) => holds(h, address)));
  return hosts.filter((_, i) => held[i]).map((h) => h.name);
}

/** waits until `condition` holds, polling every 100 ms, and returns when it did (epoch ms): drills time with it */
export async function waitUntil(what: string, timeoutMs: number, condition: () => Promise<boolean> | boolean): Promise<number> {
  await until(what, condition, Boolean, timeoutMs, 100);
  return Date.now();
}

/** kills every process of `name` in the host's network namespace with SIGKILL: a crash, as the test sees it */
export function crash(host: ConformanceHost, name: RegExp): number[] {
  const killed: number[] = [];
  for (const pid of sh("ip", ["netns", "pids", host.netns]).split(/\s+/).filter(Boolean)) {
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue;
    }
    if (!name.test(cmd)) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
      killed.push(Number(pid));
    } catch {
      // already gone
    }
  }
  return killed;
}
