import "server-only";
import dns from "node:dns";
import { type LookupFunction, isIP } from "node:net";
import { webhookAllowPrivate } from "@/lib/env";
import { AppError, errorMessage } from "@/lib/errors";
import { blockedAddressReason } from "@/lib/settings/webhook-address";

/**
 * Where the incident webhook may go (issue 10, hole 5): http(s) only, and never to an address of the
 * console's own machine or a private network, unless CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE=1. The name is
 * resolved when the URL is saved and again for each call, and the call connects to the addresses that
 * were checked (webhookLookup), so a name that changes its answer (DNS rebinding) cannot slip through.
 */

export const ALLOW_PRIVATE_VARIABLE = "CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE";
const LOOKUP_TIMEOUT_MS = 5_000;

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** the URL's host as a name or an address (IPv6 without brackets) */
function hostOf(url: URL): string {
  return url.hostname.startsWith("[") && url.hostname.endsWith("]") ? url.hostname.slice(1, -1) : url.hostname;
}

function refusal(host: string, address: string, why: string): AppError {
  const shown = host === address ? address : `${host} (${address})`;
  return new AppError("InvalidInput", `the webhook may not call ${shown}: ${why} addresses are refused unless ${ALLOW_PRIVATE_VARIABLE}=1 is set`, {
    field: "url",
  });
}

async function lookupAll(host: string): Promise<ResolvedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError("InvalidInput", `${host} did not resolve within ${LOOKUP_TIMEOUT_MS / 1000} s`)), LOOKUP_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([dns.promises.lookup(host, { all: true, verbatim: true }), timeout]);
    if (found.length === 0) throw new AppError("InvalidInput", `${host} has no address`);
    return found;
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = err instanceof Error && "code" in err ? String(err.code) : "error";
    throw new AppError("InvalidInput", `${host} does not resolve (${code})`, { field: "url" });
  } finally {
    clearTimeout(timer);
  }
}

/** Every address the URL's host is, or resolves to, each one allowed; else an InvalidInput saying why. */
export async function checkedAddresses(raw: string, allowPrivate = webhookAllowPrivate()): Promise<ResolvedAddress[]> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("InvalidInput", "not a URL", { field: "url" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new AppError("InvalidInput", "the webhook must be an http:// or https:// URL", { field: "url" });
  const host = hostOf(url);
  const family = isIP(host);
  const addresses = family !== 0 ? [{ address: host, family }] : await lookupAll(host);
  if (allowPrivate) return addresses;
  for (const a of addresses) {
    const why = blockedAddressReason(a.address);
    if (why) throw refusal(host, a.address, why);
  }
  return addresses;
}

/**
 * A `lookup` for http.request: the socket connects only to addresses checked here, at the moment of
 * the call. (A URL whose host is an address never reaches it: check it with checkedAddresses first.)
 */
export function webhookLookup(allowPrivate = webhookAllowPrivate()): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(`http://${hostname.includes(":") ? `[${hostname}]` : hostname}/`, allowPrivate).then(
      (addresses) => {
        const first = addresses[0];
        if (options.all) callback(null, addresses);
        else if (first) callback(null, first.address, first.family);
      },
      (err: unknown) => {
        const error: NodeJS.ErrnoException = new Error(errorMessage(err));
        error.code = "EWEBHOOKREFUSED";
        callback(error, "", 0);
      },
    );
  };
}

/** What anyone but the sender may see of a webhook URL: scheme and host (the path and any user are its secret). */
export function webhookDisplay(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return "(not a readable URL)";
  }
}
