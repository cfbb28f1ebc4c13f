import type { Tiers, World } from "../model/types";

/** a stand-in for lab/tiers in the core's own tests: Apache answers while it runs, sessions never get lost */
export function stubTiers(world: World): Tiers {
  return {
    tick() {},
    tools: {},
    truth: () => ({ web: null, storage: null, database: null }),
    onFault() {},
    onPower() {},
    serveRequest(node, request) {
      if (!world.serviceRunning(node, "apache2")) return { status: 0, sessionId: null };
      if (request.kind === "logout") return { status: 200, sessionId: null };
      return { status: 200, sessionId: request.sessionId ?? `sess-${request.userId}` };
    },
    healthCheck: (node) => world.serviceRunning(node, "apache2"),
    resolveMount: () => null,
  };
}
