import type { SiteRequest, SiteResponse, Tool, VmName, WebRequest, WebResponse, WebVm, World } from "../../model/types";
import type { DatabaseTier } from "../database";
import type { StorageTier } from "../storage";
import { siteRequest } from "./http";
import { apachectlTool, curlTool, wgetTool } from "./http-tools";
import { isWebVm } from "./nfs-client";
import { phpTool } from "./php-tool";
import { rsyncTool } from "./rsync-tool";
import { WebTier } from "./web-tier";

export interface WebTierApi {
  tier: WebTier;
  tools: Record<string, Tool>;
  resolveMount(vm: VmName, p: string): string | null;
  tick(dtMs: number): void;
  onPower(vm: VmName, up: boolean): void;
  onServiceControl(vm: VmName, service: string, verb: "reload" | "restart"): void;
  serveRequest(node: WebVm, request: WebRequest): WebResponse;
  siteRequest(node: WebVm, request: SiteRequest): SiteResponse | null;
  healthCheck(node: WebVm): boolean;
  truth(): unknown;
}

export function createWeb(world: World, storage: StorageTier, db: DatabaseTier): WebTierApi {
  const tier = new WebTier(world, storage, db);
  const apachectl = apachectlTool(tier);
  const php = phpTool(tier);
  return {
    tier,
    tools: {
      php,
      "php8.2": php,
      curl: curlTool(tier),
      wget: wgetTool(tier),
      apachectl,
      apache2ctl: apachectl,
      rsync: rsyncTool(),
    },
    resolveMount: (vm, p) => tier.nfs.resolve(vm, p),
    tick: () => tier.tick(),
    onPower(vm, up) {
      if (isWebVm(vm) && up) tier.nfs.mounted[vm] = true;
    },
    onServiceControl(vm, service, verb) {
      if (!isWebVm(vm)) return;
      if (service === "php8.2-fpm") tier.fpmRestarted(vm);
      if (service !== "apache2" || !tier.apacheUp(vm)) return;
      // Debian's apache2.service: ExecReload=apachectl graceful; restart is stop then start
      if (verb === "reload") tier.graceful(vm);
      else tier.restarted(vm);
    },
    serveRequest: (node, req) => tier.serveRequest(node, req),
    siteRequest: (node, req) => siteRequest(tier, node, req),
    healthCheck: (node) => tier.healthCheck(node),
    truth: () => tier.truth(),
  };
}
