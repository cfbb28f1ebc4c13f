import fs from "node:fs";
import { LD_VERSION } from "../model/balancer";
import { LBS, peerOf } from "../model/ha-stack";
import type { Heartbeat } from "../model/heartbeat";
import { configErrorText } from "../model/ldirectord-config";
import type { ExecContext, ExecResult, LbVm, Tool } from "../model/types";
import { strftime } from "./clock-format";
import type { CoreDeps } from "./deps";
import { ok, result } from "./io";
import { hostClock } from "./system-tools";

// heartbeat lists nodes in the reverse of ha.cf's `node` lines (captured: `cl_status listnodes` gives lb2, lb1)
const LISTED: readonly LbVm[] = ["lb2", "lb1"];
const HB_VERSION = "3.0.6 (node: 958e11be8686759f1b99204c17812f2c2633b169)";
const CL_USAGE =
  "Usage: cl_status <sub-command> [<options>] [<parameters>]\n\nSub-commands:\nclientstatus <node-name> <client-id> [<timeout>]\n\tShow the status of heartbeat clients.\nhblinkstatus <node-name> <link-name>\n\tShow the status of a heartbeat link\nhbstatus\n\tIndicate if heartbeat is running on the local system.\n\tOptions:\n\t\t-v\tverbose: also add \"listnodes -v\" output\nlistnodes [<option>]\n\tList the nodes in the cluster.\n\tOptions:\n\t\t-p\tlist only 'ping' type nodes\n\t\t-n\tlist only 'normal' type nodes\n\t\t-v\tverbose: also list type and status,\n\t\t\tthen add \"listhblinks -v\" output\nlisthblinks <node-name>\n\tList the network interfaces used as hearbeat links.\n\tOptions:\n\t\t-v\tverbose: list link status as well\nnodestatus <node-name>\n\tList the node status.\nnodeweight <node-name>\n\tList the node weight.\nnodesite <node-name>\n\tList the node site.\nnodetype <node-name>\n\tList the nodes of a given type.\nrscstatus\n\tShow the status of cluster resources.\nhbparameter -p <parameter-name>\n\tRetrieve the value of a cluster parameter.\n\tAs for the valid parameter names, please refer to the man page.\n";

let clPid = 2100;

/** cl_status logs through cl_log to stderr, syslog-style: `Dec 03 18:39:18 lb1 cl_status: [22858]: ERROR: ...` */
function clLog(deps: CoreDeps, vm: LbVm, ...messages: string[]): string {
  const stamp = strftime("%b %d %H:%M:%S", hostClock(deps, vm).ms, 0);
  clPid = clPid >= 32000 ? 2100 : clPid + 3;
  return messages.map((m) => `${stamp} ${vm} cl_status: [${clPid}]: ERROR: ${m}\n`).join("");
}

/** `hbstatus -v` as heartbeat 3.0.6 prints it with haresources: each node, then its link; a node never hears its own ucast */
function verboseStatus(hb: Heartbeat, self: LbVm): string {
  const nodes = LISTED.map((node) => {
    const link = node !== self && !hb.nodes[self].peerDead ? "up" : "dead";
    return `${node}\t${hb.nodeStatus(self, node)}\t(nodetype: normal)\n\teth1\t${link}\n`;
  });
  return `version:\t${HB_VERSION}\nmanaged by:\t"haresources"\n\n${nodes.join("\n")}`;
}

function clStatus(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const vm = ctx.vm as LbVm;
  const hb = deps.balancers.heartbeat;
  const [sub, ...args] = ctx.argv.slice(1);
  const human = args.includes("-m");
  const params = args.filter((a) => !a.startsWith("-"));
  const running = hb?.running(vm) ?? false;
  if (sub === undefined || sub === "-h") return ok(CL_USAGE);
  if (sub === "hbstatus") {
    if (!running || !hb) return result(`Heartbeat is stopped on this machine.\n${args.includes("-v") ? "(hb_api_signon: Can't initiate connection to heartbeat)\n" : ""}`, "", 1);
    return ok(`Heartbeat is running on this machine.\n${args.includes("-v") ? verboseStatus(hb, vm) : ""}`);
  }
  const known = ["listnodes", "nodestatus", "nodeweight", "nodesite", "nodetype", "listhblinks", "hblinkstatus", "clientstatus", "rscstatus", "hbparameter"];
  if (!known.includes(sub)) return result("", clLog(deps, vm, `${sub}: invalid sub-command.`), 11);
  if (!running || !hb) return result("", clLog(deps, vm, "Cannot signon with heartbeat", "REASON: hb_api_signon: Can't initiate connection to heartbeat"), 1);
  const node = params[0] as LbVm | undefined;
  const validNode = node !== undefined && LBS.includes(node);
  switch (sub) {
    case "listnodes":
      return ok(`${human ? "The nodes are as follow:\n" : ""}${LISTED.join("\n")}\n`);
    case "nodestatus": {
      if (!validNode) return result("", "Error. May be due to incorrect node name\n", 11);
      const s = hb.nodeStatus(vm, node);
      return result(human ? `The cluster node ${node} is ${s}\n` : `${s}\n`, "", s === "active" ? 0 : 1);
    }
    case "nodetype":
      if (!validNode) return result("", "Error. May be due to incorrect node name\n", 11);
      return ok(human ? `The node ${node}'s type: normal\n` : "normal\n");
    case "nodeweight":
      if (!validNode) return result("", "Error. Maybe due to incorrect node name.\n", 11);
      return ok("100\n");
    case "nodesite":
      if (!validNode) return result("", "Error. May be due to incorrect node name\n", 11);
      return ok("\n");
    case "listhblinks":
      if (!validNode) return result("", "No enough parameter.\n", 11);
      return ok(`${human ? "\tthis node have the following heartbeat links:\n" : ""}\teth1\n`);
    case "hblinkstatus": {
      if (!validNode || params[1] === undefined) return result("", "No enough parameter.\n", 11);
      const up = node !== vm && !hb.nodes[vm].peerDead;
      if (params[1] !== "eth1") return result("", clLog(deps, vm, "Cannot get heartbeat link status"), 11);
      const s = up ? "up" : "dead";
      return result(human ? `The node ${node}'s heartbeat link ${params[1]} is ${s}\n` : `${s}\n`, "", up ? 0 : 1);
    }
    case "rscstatus": {
      const s = hb.rscstatus(vm);
      return ok(human ? `This node is holding ${s} resources.\n` : `${s}\n`);
    }
    case "clientstatus":
      return result("", clLog(deps, vm, `Cannot get heartbeat client ${params[1] ?? ""}'s status`, "REASON: No timely response."), 13);
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
      if (name === undefined) return result("", clLog(deps, vm, "parameter name required"), 11);
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
  const hb = deps.balancers.heartbeat;
  if (!hb || !hb.running(vm)) {
    if (xml) {
      return result(
        `<pacemaker-result api-version="2.30" request="crm_mon ${args.join(" ")}">\n  <status code="102" message="Not connected">\n    <errors>\n      <error>crm_mon: Error: cluster is not available on this node</error>\n    </errors>\n  </status>\n</pacemaker-result>\n`,
        "",
        102,
      );
    }
    return result("", "crm_mon: Error: cluster is not available on this node\n", 102);
  }
  const peer = peerOf(vm);
  const online = (n: LbVm): boolean => n === vm || !hb.nodes[vm].peerDead;
  const nodes: readonly LbVm[] = ["lb1", "lb2"];
  const onlineNodes = nodes.filter(online);
  const dc = onlineNodes[0] ?? vm;
  const vipOn = nodes.filter((n) => online(n) && hb.holders().includes(n));
  const ldOn = nodes.filter((n) => online(n) && deps.world.serviceRunning(n, "ldirectord"));
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
    out += nodes.map(nodeXml).join("");
    out += "  </nodes>\n  <resources>\n";
    out += resource("vip", "ocf:heartbeat:IPaddr2", vipOn, "    ");
    out += `    <clone id="ldirectord-clone" multi_state="false" unique="false" maintenance="false" managed="true" disabled="false" failed="false" failure_ignored="false">\n`;
    for (const n of nodes) out += resource("ldirectord", "ocf:heartbeat:ldirectord", ldOn.includes(n) ? [n] : [], "      ");
    out += "    </clone>\n  </resources>\n  <status code=\"0\" message=\"OK\"/>\n</pacemaker-result>\n";
    return ok(out);
  }
  const offline = nodes.filter((n) => !online(n));
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

/**
 * ldirectord's own command line (ldirectord 4.12): it reads the config first, so a bad file answers the
 * config error and exit 2 to any command and removes the pid file named after it; the pid file is
 * /var/run/ldirectord.<name>.pid, <name> "ldirectord" without a config argument, else the file's basename.
 */
function ldirectord(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const vm = ctx.vm as LbVm;
  const args = ctx.argv.slice(1);
  const opts = args.filter((a) => a.startsWith("-"));
  const words = args.filter((a) => !a.startsWith("-"));
  if (opts.includes("-v") || opts.includes("--version")) {
    return ok(`${LD_VERSION}\n1999-2006 Jacob Rief, Horms and others\n<http://www.vergenet.net/linux/ldirectord/>\n\nldirectord comes with ABSOLUTELY NO WARRANTY.\nThis is free software, and you are welcome to redistribute it\nunder certain conditions. See the GNU General Public Licence for details.\n`);
  }
  const usage = result("", "Usage:\n    ldirectord [-d|--debug] [--] [*configfile*] start|stop|restart|try-restart|reload|force-reload|status\n\n    ldirectord [-h|-?|--help|-v|--version]\n\n", 255);
  if (words.length === 0 || words.length > 2) return usage;
  const cmd = words[words.length - 1] ?? "";
  if (!["start", "stop", "status", "restart", "try-restart", "reload", "force-reload"].includes(cmd)) return usage;
  const given = words.length === 2 ? (words[0] ?? "") : null;
  const name = given === null ? "ldirectord" : given.slice(given.lastIndexOf("/") + 1);
  const exists = (p: string): boolean => deps.files.stat(vm, p)?.type === "file";
  const base = given ?? "ldirectord.cf";
  const cfg = exists(`/etc/ha.d/${base}`) ? `/etc/ha.d/${base}` : exists(`/etc/ha.d/conf/${base}`) ? `/etc/ha.d/conf/${base}` : base.startsWith("/") && exists(base) ? base : null;
  if (cfg === null) return result("", `Config file ${base} not found\n`, 1);
  const pid = deps.world.rng.int(900, 30000);
  const read = deps.balancers.readConfig(vm, cfg);
  const pidFile = `/run/ldirectord.${name}.pid`;
  const log = (m: string): void => deps.balancers.ldLog(vm, m, pid, name);
  if (!read || read.config.error) {
    removeVmFile(deps, vm, pidFile);
    log("Exiting with exit_status 2: config_error: Configuration Error");
    const text = read?.config.error ? configErrorText(pid, cfg, read.config.error) : `can not open file ${cfg}`;
    return result("", `${text}\n`, 2);
  }
  log(`Invoking ldirectord invoked as: /usr/sbin/ldirectord ${args.join(" ")} `);
  const daemon = deps.balancers.nodes[vm].ld.pid;
  const running = deps.world.serviceRunning(vm, "ldirectord");
  let filePid: number | null;
  try {
    filePid = Number(fs.readFileSync(deps.world.resolvePath(vm, pidFile), "utf8").trim());
  } catch {
    filePid = null;
  }
  const alive = filePid !== null && running && filePid === daemon;
  if (alive) {
    switch (cmd) {
      case "start":
        return ok("");
      case "stop":
        deps.world.setService(vm, "ldirectord", false);
        return ok("");
      case "restart":
      case "try-restart":
        deps.world.setService(vm, "ldirectord", false);
        deps.world.setService(vm, "ldirectord", true);
        return ok("");
      case "reload":
      case "force-reload":
        deps.balancers.reload(vm);
        return ok("");
      default:
        log(`ldirectord for ${cfg} is running with pid: ${daemon}`);
        log("Exiting from ldirectord status");
        return result("", `ldirectord for ${cfg} is running with pid: ${daemon}\n`, 0);
    }
  }
  switch (cmd) {
    case "start":
    case "restart":
      if (running) return result("", `ldirectord for ${cfg} is already running outside its pid file\n`, 1);
      deps.world.setService(vm, "ldirectord", true);
      return deps.world.serviceRunning(vm, "ldirectord") ? ok("") : result("", "", 2);
    case "stop":
    case "try-restart":
      return ok("");
    case "status":
      if (filePid !== null) {
        log(`ldirectord stale pid file /var/run/ldirectord.${name}.pid for ${cfg}`);
        return result(`ldirectord is stopped for ${cfg}\n`, `ldirectord stale pid file /var/run/ldirectord.${name}.pid for ${cfg}\n`, 1);
      }
      log("Exiting with exit_status 3: Exiting from ldirectord status");
      return result(`ldirectord is stopped for ${cfg}\n`, "", 3);
    default:
      log(`ldirectord is stopped for ${cfg}`);
      log(`Exiting with exit_status 1: Exiting from ldirectord ${cmd}`);
      return result("", "", 1);
  }
}

function removeVmFile(deps: CoreDeps, vm: LbVm, p: string): void {
  try {
    fs.rmSync(deps.world.resolvePath(vm, p), { force: true });
  } catch {
    // nothing to remove
  }
}

function handOver(ctx: ExecContext, deps: CoreDeps, what: "standby" | "takeover"): ExecResult {
  const vm = ctx.vm as LbVm;
  const hb = deps.balancers.heartbeat;
  if (!hb || !hb.running(vm)) return result("", "Heartbeat is not running.\n", 1);
  const scope = ctx.argv[1] ?? "all";
  const done = what === "standby" ? hb.standby(vm) : hb.takeover(vm);
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

