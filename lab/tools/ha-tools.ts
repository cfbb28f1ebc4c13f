import { peerOf } from "../model/heartbeat";
import { LDIRECTORD_CF } from "../model/ldirectord-config";
import type { ExecContext, ExecResult, LbVm, Tool } from "../model/types";
import { strftime } from "./clock-format";
import type { CoreDeps } from "./deps";
import { ok, result } from "./io";
import { hostClock } from "./system-tools";

const NODES: readonly LbVm[] = ["lb1", "lb2"];

let clPid = 2100;

function clLog(deps: CoreDeps, vm: LbVm, message: string): string {
  const stamp = strftime("%Y/%m/%d_%H:%M:%S", hostClock(deps, vm).ms, 0);
  clPid = clPid >= 32000 ? 2100 : clPid + 3;
  return `cl_status[${clPid}]: ${stamp} ERROR: ${message}\n`;
}

/** what this node's heartbeat says about a node: itself is active, the peer is active until declared dead */
function nodeStatus(deps: CoreDeps, self: LbVm, node: LbVm): "active" | "dead" {
  if (node === self) return "active";
  return deps.balancers.heartbeat.nodes[self].peerDead ? "dead" : "active";
}

/** `hbstatus -v` as heartbeat 3.0 prints it under haresources (no CCM): version, then each node and its links */
function verboseStatus(deps: CoreDeps, self: LbVm): string {
  const hears = deps.balancers.heartbeat.hearsPeer(self);
  const nodes = NODES.map((node) => {
    const link = node === self || hears ? "up" : "dead";
    return `${node}\t${nodeStatus(deps, self, node)}\t(nodetype: normal)\n\teth1\t${link}\n`;
  });
  return `version:\t3.0.6 (10e3f2130ea1)\nmanaged by:\tharesources\n\n${nodes.join("\n")}`;
}

function clStatus(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const vm = ctx.vm as LbVm;
  const [sub, ...args] = ctx.argv.slice(1);
  const human = args.includes("-m");
  const params = args.filter((a) => !a.startsWith("-"));
  const running = deps.world.serviceRunning(vm, "heartbeat");
  if (sub === undefined || sub === "-h") return ok("Usage: cl_status <sub-command> [<options>] [<parameters>]\n");
  if (sub === "hbstatus") {
    if (!running) return result("Heartbeat is stopped on this machine.\n", "", 1);
    return ok(`Heartbeat is running on this machine.\n${args.includes("-v") ? verboseStatus(deps, vm) : ""}`);
  }
  const known = ["listnodes", "nodestatus", "nodeweight", "nodesite", "nodetype", "listhblinks", "hblinkstatus", "clientstatus", "rscstatus", "hbparameter"];
  if (!known.includes(sub)) return result("", clLog(deps, vm, `${sub}: invalid sub-command.`), 2);
  if (!running) {
    return result("", clLog(deps, vm, "Cannot signon with heartbeat") + clLog(deps, vm, "REASON: hb_api_signon: Can't initiate connection  to heartbeat"), 1);
  }
  const node = params[0] as LbVm | undefined;
  const validNode = node !== undefined && NODES.includes(node);
  switch (sub) {
    case "listnodes":
      return ok(`${human ? "The nodes are as follow:\n" : ""}${NODES.join("\n")}\n`);
    case "nodestatus": {
      if (node === undefined) return result("", "Not enough parameters.\n", 2);
      if (!validNode) return result("", "Error. May be due to incorrect node name\n", 2);
      const s = nodeStatus(deps, vm, node);
      return result(human ? `The cluster node ${node} is ${s}\n` : `${s}\n`, "", s === "active" ? 0 : 1);
    }
    case "nodetype":
      if (!validNode) return result("", "Error. May be due to incorrect node name\n", 2);
      return ok(human ? `The node ${node}'s type: normal\n` : "normal\n");
    case "nodeweight":
      if (!validNode) return result("", "Error. Maybe due to incorrect node name.\n", 2);
      return ok("100\n");
    case "nodesite":
      if (!validNode) return result("", "Error. May be due to incorrect node name\n", 2);
      return ok("\n");
    case "listhblinks":
      if (!validNode) return result("", "No enough parameter.\n", 2);
      return ok(`${human ? "\tthis node have the following heartbeat links:\n" : ""}\teth1\n`);
    case "hblinkstatus": {
      if (!validNode || params[1] === undefined) return result("", "No enough parameter.\n", 2);
      const up = node === vm || deps.balancers.heartbeat.hearsPeer(vm);
      const s = params[1] === "eth1" ? (up ? "up" : "dead") : null;
      if (s === null) return result("", clLog(deps, vm, "Cannot get heartbeat link status"), 4);
      return result(human ? `The node ${node}'s heartbeat link ${params[1]} is ${s}\n` : `${s}\n`, "", s === "up" ? 0 : 1);
    }
    case "rscstatus": {
      const holds = deps.balancers.heartbeat.nodes[vm].holdsVip;
      const s = holds ? "all" : "none";
      return ok(human ? `This node is holding ${s} resources.\n` : `${s}\n`);
    }
    case "clientstatus":
      return ok("online\n");
    case "hbparameter": {
      const pi = args.indexOf("-p");
      const name = pi >= 0 ? args[pi + 1] : undefined;
      const values: Record<string, string> = {
        deadtime: String(Math.round(deps.world.settings.heartbeatDeadtimeMs / 1000)),
        keepalive: "1",
        warntime: "5",
        initdead: "30",
        auto_failback: "off",
        udpport: "694",
      };
      if (name === undefined) return result("", clLog(deps, vm, "parameter name required"), 2);
      const v = values[name];
      if (v === undefined) return result("", clLog(deps, vm, `Cannot get parameter ${name}'s value`), 1);
      return ok(human ? `Heartbeat parameter ${name}'s value: ${v}\n` : `${v}\n`);
    }
  }
  return result("", "", 1);
}

function xmlTime(deps: CoreDeps, vm: LbVm, ms?: number): string {
  return strftime("%a %b %e %H:%M:%S %Y", ms ?? hostClock(deps, vm).ms, 0);
}

/** Pacemaker's crm_mon view of the balancer pair, as this node's partition sees it */
function crmMon(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const vm = ctx.vm as LbVm;
  const args = ctx.argv.slice(1);
  const xml = args.some((a) => a === "--output-as=xml" || a === "-X" || a === "--as-xml") || args.some((a, i) => a === "--output-as" && args[i + 1] === "xml");
  if (!deps.world.serviceRunning(vm, "heartbeat")) {
    if (xml) {
      return result(
        `<pacemaker-result api-version="2.30" request="crm_mon ${args.join(" ")}">\n  <status code="102" message="Not connected">\n    <errors>\n      <error>crm_mon: Error: cluster is not available on this node</error>\n    </errors>\n  </status>\n</pacemaker-result>\n`,
        "",
        102,
      );
    }
    return result("", "crm_mon: Error: cluster is not available on this node\n", 102);
  }
  const hb = deps.balancers.heartbeat;
  const peer = peerOf(vm);
  const online = (n: LbVm): boolean => n === vm || !hb.nodes[vm].peerDead;
  const onlineNodes = NODES.filter(online);
  const dc = onlineNodes[0] ?? vm;
  const vipOn = NODES.filter((n) => (n === vm || online(n)) && hb.nodes[n].holdsVip && deps.world.isUp(n));
  const ldOn = NODES.filter((n) => (n === vm || online(n)) && deps.world.serviceRunning(n, "ldirectord"));
  const id = (n: LbVm): string => (n === "lb1" ? "1" : "2");
  const version = "2.1.5-a3f44794f94";
  const changed = deps.world.bootAt(dc) + 120_000;
  if (xml) {
    const nodeXml = (n: LbVm): string => {
      const running = (vipOn.includes(n) ? 1 : 0) + (ldOn.includes(n) ? 1 : 0);
      return `    <node name="${n}" id="${id(n)}" online="${online(n)}" standby="false" standby_onfail="false" maintenance="false" pending="false" unclean="${!online(n) && n === peer && hb.nodes[vm].peerDead}" health="green" feature_set="3.16.2" shutdown="false" expected_up="true" is_dc="${n === dc}" resources_running="${running}" type="member"/>\n`;
    };
    const attrs = (rid: string, agent: string, on: LbVm[]): string =>
      `id="${rid}" resource_agent="${agent}" role="${on.length ? "Started" : "Stopped"}" active="${on.length > 0}" orphaned="false" blocked="false" maintenance="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="${on.length}"`;
    const placed = (on: LbVm[], indent: string): string => on.map((n) => `${indent}<node name="${n}" id="${id(n)}" cached="true"/>\n`).join("");
    const resource = (rid: string, agent: string, on: LbVm[], indent: string): string =>
      on.length ? `${indent}<resource ${attrs(rid, agent, on)}>\n${placed(on, `${indent}  `)}${indent}</resource>\n` : `${indent}<resource ${attrs(rid, agent, on)}/>\n`;
    let out = `<pacemaker-result api-version="2.30" request="crm_mon ${args.join(" ")}">\n  <summary>\n    <stack type="corosync"/>\n`;
    out += `    <current_dc present="true" version="${version}" name="${dc}" id="${id(dc)}" with_quorum="true" mixed_version="false"/>\n`;
    out += `    <last_update time="${xmlTime(deps, vm)}" origin="${vm}"/>\n    <last_change time="${xmlTime(deps, vm, changed)}" user="root" client="cibadmin" origin="${dc}"/>\n`;
    out += `    <nodes_configured number="2"/>\n    <resources_configured number="3" disabled="0" blocked="0"/>\n`;
    out += `    <cluster_options stonith-enabled="false" symmetric-cluster="true" no-quorum-policy="ignore" maintenance-mode="false" stop-all-resources="false" stonith-timeout-ms="60000" priority-fencing-delay-ms="0"/>\n  </summary>\n  <nodes>\n`;
    out += NODES.map(nodeXml).join("");
    out += "  </nodes>\n  <resources>\n";
    out += resource("vip", "ocf:heartbeat:IPaddr2", vipOn, "    ");
    out += `    <clone id="ldirectord-clone" multi_state="false" unique="false" maintenance="false" managed="true" disabled="false" failed="false" failure_ignored="false">\n`;
    for (const n of NODES) out += resource("ldirectord", "ocf:heartbeat:ldirectord", ldOn.includes(n) ? [n] : [], "      ");
    out += "    </clone>\n  </resources>\n  <status code=\"0\" message=\"OK\"/>\n</pacemaker-result>\n";
    return ok(out);
  }
  const offline = NODES.filter((n) => !online(n));
  let out = "Cluster Summary:\n  * Stack: corosync\n";
  out += `  * Current DC: ${dc} (version ${version}) - partition with quorum\n`;
  out += `  * Last updated: ${xmlTime(deps, vm)} on ${vm}\n  * Last change:  ${xmlTime(deps, vm, changed)} by root via cibadmin on ${dc}\n`;
  out += "  * 2 nodes configured\n  * 3 resource instances configured\n\nNode List:\n";
  out += `  * Online: [ ${onlineNodes.join(" ")} ]\n`;
  if (offline.length) out += `  * OFFLINE: [ ${offline.join(" ")} ]\n`;
  out += "\nActive Resources:\n";
  out += vipOn.length ? `  * vip\t(ocf:heartbeat:IPaddr2):\t Started ${vipOn.join(" ")}\n` : "";
  if (ldOn.length) out += `  * Clone Set: ldirectord-clone [ldirectord]:\n    * Started: [ ${ldOn.join(" ")} ]\n`;
  if (!vipOn.length && !ldOn.length) out += "  * No active resources\n";
  return ok(out);
}

function ldirectord(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const vm = ctx.vm as LbVm;
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith("-"));
  const action = args[args.length - 1] ?? "status";
  const cfg = args.length > 1 ? args[0] : LDIRECTORD_CF;
  const cfgPath = cfg?.startsWith("/") ? cfg : `/etc/ha.d/${cfg}`;
  const running = deps.world.serviceRunning(vm, "ldirectord");
  switch (action) {
    case "status":
      return running
        ? result("", `ldirectord for ${cfgPath} is running with pid: ${deps.balancers.nodes[vm].ld.pid}\n`, 0)
        : result(`ldirectord is stopped for ${cfgPath}\n`, "", 3);
    case "start":
      deps.world.setService(vm, "ldirectord", true);
      return ok("");
    case "stop":
      deps.world.setService(vm, "ldirectord", false);
      return ok("");
    case "restart":
      deps.world.setService(vm, "ldirectord", false);
      deps.world.setService(vm, "ldirectord", true);
      return ok("");
    case "reload":
      if (!running) return result("", `ldirectord is stopped for ${cfgPath}\n`, 7);
      deps.balancers.reload(vm);
      return ok("");
    default:
      return result("", `Usage: ldirectord [-d|-h|-v|-t] [configfile] {start|stop|restart|try-restart|force-reload|reload|status}\n`, 2);
  }
}

function handOver(ctx: ExecContext, deps: CoreDeps, what: "standby" | "takeover"): ExecResult {
  const vm = ctx.vm as LbVm;
  if (!deps.world.serviceRunning(vm, "heartbeat")) return result("", "Heartbeat is not running.\n", 1);
  const scope = ctx.argv[1] ?? "all";
  const done = what === "standby" ? deps.balancers.heartbeat.standby(vm) : deps.balancers.heartbeat.takeover(vm);
  if (!done) deps.world.log(`${vm}: hb_${what} ignored: the peer is not reachable`);
  return ok(what === "standby" ? `Going standby [${scope}].\n` : "");
}

export function haTools(deps: CoreDeps): Record<string, Tool> {
  const lb = (run: (ctx: ExecContext) => ExecResult): Tool => ({ roles: ["lb"], run });
  return {
    cl_status: lb((ctx) => clStatus(ctx, deps)),
    crm_mon: lb((ctx) => crmMon(ctx, deps)),
    ldirectord: lb((ctx) => ldirectord(ctx, deps)),
    hb_standby: lb((ctx) => handOver(ctx, deps, "standby")),
    hb_takeover: lb((ctx) => handOver(ctx, deps, "takeover")),
  };
}
