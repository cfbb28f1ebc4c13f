import { z } from "zod";
import { WORKFLOW_KINDS } from "@/lib/workflows/types";

/** What an operator chooses for each workflow. Validated in the server actions and shared with the forms. */

const hostName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/i, "a host name from the inventory");
const absolutePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._/@+-]*$/, "an absolute path of letters, digits and . _ / @ + -")
  .refine((p) => !p.split("/").includes(".."), "no '..' in the path");
const message = z.string().trim().max(500, "at most 500 characters");

export const MaintenanceParams = z.discriminatedUnion("action", [
  z.object({ action: z.literal("enable"), message: message.default("") }).strict(),
  z
    .object({
      action: z.literal("enable-later"),
      minutes: z.coerce.number().int("whole minutes").min(1, "at least 1 minute").max(1440, "at most 24 hours"),
      message: message.default(""),
    })
    .strict(),
  z.object({ action: z.literal("disable") }).strict(),
]);
export type MaintenanceParams = z.infer<typeof MaintenanceParams>;

export const DrainParams = z
  .object({
    host: hostName,
    /** finish when pinned clients + connections on the node fall to this many */
    threshold: z.coerce.number().int().min(0).max(10_000).default(0),
    /** give up waiting after this long and ask the operator (default: the persistence timeout) */
    maxWaitSeconds: z.coerce.number().int().min(0).max(24 * 3600).optional(),
  })
  .strict();
export type DrainParams = z.infer<typeof DrainParams>;

export const UndrainParams = z.object({ host: hostName }).strict();
export type UndrainParams = z.infer<typeof UndrainParams>;

export const ReleaseSource = z.object({ sourceHost: hostName, sourcePath: absolutePath }).strict();

export const CodeUpdateParams = ReleaseSource.extend({
  /** seconds to wait for each node's clients to leave before its code changes */
  drainWaitSeconds: z.coerce.number().int().min(0).max(3600).default(30),
}).strict();
export type CodeUpdateParams = z.infer<typeof CodeUpdateParams>;

export const UpgradeParams = ReleaseSource.extend({ message: message.default("") }).strict();
export type UpgradeParams = z.infer<typeof UpgradeParams>;

const seconds = (max: number) => z.coerce.number().int("whole seconds").min(1, "at least 1 s").max(max, `at most ${max} s`);

export const DrillBalancerParams = z
  .object({
    /** abort and restore when no balancer has held the VIP for longer than this */
    maxNoVipSeconds: seconds(600).default(30),
    /** abort and restore when the site has not answered through the VIP for longer than this */
    maxUnservedSeconds: seconds(600).default(30),
  })
  .strict();
export type DrillBalancerParams = z.infer<typeof DrillBalancerParams>;

export const DrillStorageParams = z
  .object({
    /** abort and switch back when the web nodes cannot read the dataroot for longer than this */
    maxNfsDownSeconds: seconds(600).default(60),
  })
  .strict();
export type DrillStorageParams = z.infer<typeof DrillStorageParams>;

export const DrillDatabaseParams = z
  .object({
    /** graceful: the source is alive and hands over with nothing lost; forced: the source is dead */
    mode: z.enum(["graceful", "forced"]).default("graceful"),
    /** abort and give the source its writes back when the site has been read-only for longer than this */
    maxReadOnlySeconds: seconds(600).default(60),
  })
  .strict();
export type DrillDatabaseParams = z.infer<typeof DrillDatabaseParams>;

export const DrillServerParams = z
  .object({
    server: hostName,
    maxUnservedSeconds: seconds(1800).default(60),
    /** after power returns: every VM answering, DRBD and replication caught up */
    maxRecoverySeconds: seconds(3600).default(300),
  })
  .strict();
export type DrillServerParams = z.infer<typeof DrillServerParams>;

export const WorkflowParams = {
  maintenance: MaintenanceParams,
  drain: DrainParams,
  undrain: UndrainParams,
  "code-update": CodeUpdateParams,
  upgrade: UpgradeParams,
  "drill-balancer": DrillBalancerParams,
  "drill-storage": DrillStorageParams,
  "drill-database": DrillDatabaseParams,
  "drill-server": DrillServerParams,
} as const;

export const StartInput = z
  .object({
    clusterId: hostName,
    kind: z.enum(WORKFLOW_KINDS),
    params: z.record(z.string(), z.unknown()),
    /** admin overrides of refusing guards, each with a written reason */
    overrides: z
      .array(z.object({ guard: z.string().min(1).max(80), reason: z.string().trim().min(10, "say why, in at least 10 characters").max(1000) }).strict())
      .max(20)
      .default([]),
    /** the operator read the plan's warnings */
    acknowledged: z.boolean().default(false),
  })
  .strict();
export type StartInput = z.input<typeof StartInput>;

export const RunRef = z.object({ runId: z.string().min(1).max(64) }).strict();
export const StepRef = z.object({ runId: z.string().min(1).max(64), step: z.coerce.number().int().min(0).max(1000) }).strict();
export const CancelInput = z.object({ runId: z.string().min(1).max(64), reason: z.string().trim().max(1000).default("") }).strict();
export const ResolveInput = z
  .object({ runId: z.string().min(1).max(64), reason: z.string().trim().min(10, "say what was checked, in at least 10 characters").max(1000) })
  .strict();
