import net from "node:net";

// Which client a sign-in comes from, for the throttle and the timeline. Next gives a server action no
// socket address; it copies the socket's address into x-forwarded-for only when the request has none,
// so a client can write that header itself. It is believed only when CLUSTERDECK_TRUST_PROXY=1 says a
// reverse proxy in front sets it (x-real-ip first, else the last x-forwarded-for entry, the one the
// proxy appended). Otherwise every client shares the one bucket "direct" (the per-user limits still apply).

export const DIRECT = "direct";

interface HeaderBag {
  get(name: string): string | null;
}

export function clientAddress(headers: HeaderBag, trustProxy: boolean): string {
  if (!trustProxy) return DIRECT;
  const real = headers.get("x-real-ip")?.trim();
  if (real && net.isIP(real)) return real;
  const last = headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
  if (last && net.isIP(last)) return last;
  return DIRECT;
}
