import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { fail, ok } from "../shared/exec";
import type { DrbdCluster } from "./drbd-state";
import { isFsVm } from "./drbd-state";
import { cstate84, drbdOverview, drbdStatus, events2Now } from "./drbd-format";

interface Parsed {
  words: string[];
  flags: Set<string>;
}

function parse(argv: string[]): Parsed {
  const words: string[] = [];
  const flags = new Set<string>();
  for (const a of argv.slice(1)) {
    if (a === "--") continue;
    if (a.startsWith("-")) flags.add(a.replace(/=.*$/, ""));
    else words.push(a);
  }
  return { words, flags };
}

function stateChangeFailed(ctx: ExecContext, sub: string, reason: string, code = 11): ExecResult {
  const res = ctx.world.settings.drbdResource;
  if (ctx.world.settings.drbdVersion === "8.4") {
    return fail(`0: State change failed: ${reason}\nCommand 'drbdsetup-84 ${sub} 0' terminated with exit code ${code}\n`, code);
  }
  return fail(`${res}: State change failed: ${reason}\nCommand 'drbdsetup ${sub} ${res}' terminated with exit code ${code}\n`, code);
}

function failure(ctx: ExecContext, sub: string, reason: string): ExecResult {
  const res = ctx.world.settings.drbdResource;
  if (ctx.world.settings.drbdVersion === "8.4") {
    return fail(`0: Failure: ${reason}\nCommand 'drbdsetup-84 ${sub} 0' terminated with exit code 10\n`, 10);
  }
  return fail(`${res}: Failure: ${reason}\nCommand 'drbdsetup ${sub} ${res}' terminated with exit code 10\n`, 10);
}

function notConfigured(ctx: ExecContext): ExecResult {
  const res = ctx.world.settings.drbdResource;
  return ctx.world.settings.drbdVersion === "8.4"
    ? fail(`0: Failure: (127) Device minor not allocated\n`, 10)
    : fail(`${res}: No such resource\n`, 10);
}

export function drbdadmTool(cluster: DrbdCluster): Tool {
  return {
    roles: ["fs"],
    run(ctx) {
      const vm = ctx.vm;
      if (!isFsVm(vm)) return fail("drbdadm: no resources defined!\n", 1);
      cluster.refresh();
      const { words, flags } = parse(ctx.argv);
      const res = ctx.world.settings.drbdResource;
      const [cmd, target] = [words[0], words[1]];
      if (!cmd) return fail("USAGE: drbdadm COMMAND [OPTION...] {all|RESOURCE...}\n", 20);
      if (target !== undefined && target !== res && target !== "all") {
        return fail(`'${target}' not defined in your config (for this host).\n`, 10);
      }
      const n = cluster.node(vm);
      const is84 = ctx.world.settings.drbdVersion === "8.4";
      const dry = flags.has("-d") || flags.has("--dry-run");
      switch (cmd) {
        case "status":
          if (!n.configured) return notConfigured(ctx);
          return ok(drbdStatus(ctx.world, cluster, vm, { verbose: flags.has("--verbose"), statistics: flags.has("--statistics") }));
        case "role":
          if (!n.configured) return is84 ? ok("Unconfigured\n") : notConfigured(ctx);
          return ok(is84 ? `${n.role}/${cluster.peerRole(vm)}\n` : `${n.role}\n`);
        case "cstate":
          if (!n.configured) return is84 ? ok("Unconfigured\n") : notConfigured(ctx);
          return ok(`${is84 ? cstate84(cluster, vm) : cluster.conn(vm)}\n`);
        case "dstate":
          if (!n.configured) return is84 ? ok("Unconfigured\n") : notConfigured(ctx);
          return ok(`${n.disk}/${cluster.peerDisk(vm)}\n`);
        case "sh-resources":
          return ok(`${res}\n`);
        case "adjust":
          return ok();
        case "primary": {
          if (dry) return ok(`drbdsetup primary ${res}${flags.has("--force") ? " --force" : ""}\n`);
          if (!n.configured) return notConfigured(ctx);
          const refused = cluster.promote(vm, flags.has("--force"));
          return refused ? stateChangeFailed(ctx, "primary", refused) : ok();
        }
        case "secondary": {
          if (dry) return ok(`drbdsetup secondary ${res}\n`);
          if (!n.configured) return notConfigured(ctx);
          const refused = cluster.demote(vm);
          return refused ? stateChangeFailed(ctx, "secondary", refused) : ok();
        }
        case "connect": {
          if (dry) return ok(`drbdsetup connect ${res} 1${flags.has("--discard-my-data") ? " --discard-my-data" : ""}\n`);
          const refused = cluster.connect(vm, flags.has("--discard-my-data"));
          return refused ? failure(ctx, "connect", refused) : ok();
        }
        case "disconnect":
          if (dry) return ok(`drbdsetup disconnect ${res} 1\n`);
          if (!n.configured) return notConfigured(ctx);
          cluster.disconnect(vm);
          return ok();
        case "up": {
          const refused = cluster.up(vm);
          return refused ? failure(ctx, "new-minor", refused) : ok();
        }
        case "down": {
          const refused = cluster.down(vm);
          return refused ? stateChangeFailed(ctx, "down", refused) : ok();
        }
        default:
          return fail(`drbdadm: Unknown command '${cmd}'\n`, 20);
      }
    },
  };
}

export function drbdsetupTool(cluster: DrbdCluster): Tool {
  return {
    roles: ["fs"],
    run(ctx) {
      const vm = ctx.vm;
      if (!isFsVm(vm)) return fail("drbdsetup: no resources\n", 10);
      cluster.refresh();
      const { words, flags } = parse(ctx.argv);
      const n = cluster.node(vm);
      const cmd = words[0];
      const statistics = flags.has("--statistics") || flags.has("-s");
      if (cmd === "status") {
        if (!n.configured) return ok("# No currently configured DRBD found.\n");
        return ok(drbdStatus(ctx.world, cluster, vm, { verbose: flags.has("--verbose") || flags.has("-v"), statistics }));
      }
      if (cmd === "events2") {
        if (!flags.has("--now")) return fail("drbdsetup: events2 without --now streams forever; use --now\n", 20);
        return ok(events2Now(ctx.world, cluster, vm, statistics));
      }
      if (cmd === "role") return n.configured ? ok(`${n.role}\n`) : notConfigured(ctx);
      return fail(`drbdsetup: unknown command '${cmd ?? ""}'\n`, 20);
    },
  };
}

export function drbdOverviewTool(cluster: DrbdCluster): Tool {
  return {
    roles: ["fs"],
    run(ctx) {
      if (!isFsVm(ctx.vm)) return fail("drbd-overview: no resources\n", 1);
      cluster.refresh();
      return ok(drbdOverview(ctx.world, cluster, ctx.vm));
    },
  };
}
