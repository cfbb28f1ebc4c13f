import "server-only";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

// The only reader of process.env. Every setting is validated once, at first use.

const Env = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().startsWith("file:", "a SQLite URL like file:/path/to/clusterdeck.db").optional(),
  CLUSTERDECK_INVENTORY: z.string().min(1).optional(),
  CLUSTERDECK_LAB_DIR: z.string().min(1).optional(),
  CLUSTERDECK_ADMIN_PASSWORD: z.string().min(8, "at least 8 characters").optional(),
  CLUSTERDECK_COOKIE_SECURE: z.enum(["true", "false"]).optional(),
  /** 1: a reverse proxy in front sets x-real-ip / x-forwarded-for, so sign-in throttling may believe them */
  CLUSTERDECK_TRUST_PROXY: z.enum(["0", "1"]).optional(),
  /** a session's absolute lifetime from sign-in, in minutes (default 720: 12 h) */
  CLUSTERDECK_SESSION_LIFETIME_MINUTES: z.string().regex(/^[1-9]\d{0,5}$/, "whole minutes").optional(),
  /** a session ends after this many minutes without a page load or action (default 30) */
  CLUSTERDECK_SESSION_IDLE_MINUTES: z.string().regex(/^[1-9]\d{0,5}$/, "whole minutes").optional(),
  CLUSTERDECK_COLLECTOR: z.enum(["on", "off"]).default("on"),
  SSH_AUTH_SOCK: z.string().optional(),
  PORT: z.string().regex(/^\d+$/).optional(),
  CLUSTERDECK_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE: z.enum(["0", "1"], "1 lets the incident webhook call loopback and private addresses, 0 (the default) refuses them").optional(),
});
export type Env = z.infer<typeof Env>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const result = Env.safeParse(process.env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`invalid environment:\n${problems}`);
  }
  cached = result.data;
  return cached;
}

export function projectRoot(): string {
  return process.cwd();
}

export function databaseUrl(): string {
  return env().DATABASE_URL ?? `file:${path.join(/*turbopackIgnore: true*/ projectRoot(), "data", "clusterdeck.db")}`;
}

export function labDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ projectRoot(), env().CLUSTERDECK_LAB_DIR ?? ".lab");
}

/** The inventory in force: the configured file, else ./clusterdeck.yaml, else the lab's. */
export function inventoryPath(): { path: string; source: "env" | "project" | "lab" } {
  const configured = env().CLUSTERDECK_INVENTORY;
  if (configured) return { path: path.resolve(/*turbopackIgnore: true*/ projectRoot(), configured), source: "env" };
  const project = path.join(/*turbopackIgnore: true*/ projectRoot(), "clusterdeck.yaml");
  if (fs.existsSync(project)) return { path: project, source: "project" };
  return { path: path.join(/*turbopackIgnore: true*/ labDir(), "inventory.yaml"), source: "lab" };
}

/** A secret named by the inventory (e.g. a key passphrase); never logged, never sent to a browser. */
export function secretFromEnv(name: string): string | undefined {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) return undefined;
  return process.env[name];
}

/** Secure cookies when people reach the console over https (CLUSTERDECK_PUBLIC_URL), unless told otherwise. */
export function cookieSecure(): boolean {
  const v = env().CLUSTERDECK_COOKIE_SECURE;
  return v === undefined ? (env().CLUSTERDECK_PUBLIC_URL?.startsWith("https://") ?? false) : v === "true";
}

/** The incident webhook may call loopback, private and link-local addresses (a receiver on this machine or the LAN). */
export function webhookAllowPrivate(): boolean {
  return env().CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE === "1";
}

/** Where people reach this console, for links sent elsewhere (webhooks). */
export function publicUrl(): string {
  const configured = env().CLUSTERDECK_PUBLIC_URL;
  return (configured ?? `http://localhost:${env().PORT ?? "3000"}`).replace(/\/+$/, "");
}
