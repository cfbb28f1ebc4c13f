import "server-only";
import { ensureAdmin } from "@/lib/auth/users";
import { purgeExpiredSessions } from "@/lib/auth/sessions";
import { ensureCollectors } from "@/lib/cluster";
import { env } from "@/lib/env";
import { errorMessage } from "@/lib/errors";
import { resumeRuns } from "@/lib/workflows/engine";

export async function startServer(): Promise<void> {
  env();
  await ensureAdmin();
  await purgeExpiredSessions();
  if (env().CLUSTERDECK_COLLECTOR === "off") return;
  try {
    ensureCollectors();
  } catch (err) {
    // The console still starts and shows the problem; collectors start once the inventory is fixed.
    console.error(`ClusterDeck: not polling yet: ${errorMessage(err)}`);
    return;
  }
  // runs the last console left running: go on, or halt them for a person
  await resumeRuns().catch((err: unknown) => console.error(`ClusterDeck: could not resume workflow runs: ${errorMessage(err)}`));
}
