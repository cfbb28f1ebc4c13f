import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { fail, ok } from "../shared/exec";
import { ClientUsageError, parseClientArgs } from "./client-options";
import type { DatabaseCluster } from "./cluster";
import { connectError } from "./mysql-tool";

/** `pt-heartbeat --check|--monitor [--master-server-id N]` reading the heartbeat table */
export function ptHeartbeatTool(cluster: DatabaseCluster): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): ExecResult {
      const args = ctx.argv.slice(1);
      const mode = args.includes("--check") ? "check" : args.includes("--monitor") ? "monitor" : null;
      if (!mode) return fail("Specify at least one of --stop, --update, --monitor or --check.  See --help\n", 1);
      const idIdx = args.findIndex((a) => a.startsWith("--master-server-id"));
      const idArg = idIdx < 0 ? undefined : (args[idIdx] ?? "").includes("=") ? args[idIdx]?.split("=")[1] : args[idIdx + 1];
      const filtered = args.filter(
        (a, i) =>
          a.startsWith("--defaults-file") ||
          a.startsWith("--host") ||
          a === "-h" ||
          (i > 0 && args[i - 1] === "-h") ||
          /^-h./.test(a),
      );
      let host: string | null;
      try {
        host = parseClientArgs({ ...ctx, argv: ["pt-heartbeat", ...filtered] }, "pt-heartbeat", ["client"]).host;
      } catch (e) {
        if (e instanceof ClientUsageError) return fail(`${e.message}\n`, 1);
        throw e;
      }
      const reach = cluster.reach(ctx.vm, host);
      if (!reach.ok) {
        return fail(`DBI connect(';host=${host ?? "localhost"};mysql_read_default_group=client','',...) failed: ${connectError(ctx.world.settings.mysqlFlavour, host, reach).replace(/^ERROR \d+ \(HY000\): /, "")} at /usr/bin/pt-heartbeat line 4998.\n`, 1);
      }
      const s = reach.server;
      const masterId = idArg !== undefined ? Number(idArg) : (s.replica ? (s.serverId === 1 ? 2 : 1) : s.serverId);
      const row = s.data.heartbeat.get(masterId);
      if (!row) return fail(`No row found in heartbeat table for server_id ${masterId}.\n`, 1);
      const delay = Math.max(0, (ctx.world.now() - Date.parse(`${row.ts}Z`)) / 1000);
      if (mode === "check") return ok(`${delay.toFixed(2)}\n`);
      const d = `${delay.toFixed(2)}s`;
      return ok(`${d.padStart(5)} [ ${d.padStart(6)}, ${d.padStart(6)}, ${d.padStart(6)} ]\n`);
    },
  };
}
