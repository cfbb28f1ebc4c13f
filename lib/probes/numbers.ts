import { cannotRead } from "@/lib/probes/read";

/** A non-negative decimal integer, or null when the token is anything else. */
export function toInt(token: string | undefined): number | null {
  if (token === undefined || !/^\d+$/.test(token)) return null;
  const value = Number(token);
  return Number.isSafeInteger(value) ? value : null;
}

/** An integer that may be negative, or null. */
export function toSignedInt(token: string | undefined): number | null {
  if (token === undefined || !/^-?\d+$/.test(token)) return null;
  const value = Number(token);
  return Number.isSafeInteger(value) ? value : null;
}

/** A plain decimal like `0.32`, `.25` (Apache) or `-1.5`, or null; no exponents, no thousands separators. */
export function toDecimal(token: string | undefined): number | null {
  if (token === undefined || !/^-?(\d+(\.\d+)?|\.\d+)$/.test(token)) return null;
  const value = Number(token);
  return Number.isFinite(value) ? value : null;
}

export function needInt(token: string | undefined, what: string): number {
  return toInt(token) ?? cannotRead(`${what} is not a whole number: ${JSON.stringify(token ?? "")}`);
}

export function needSignedInt(token: string | undefined, what: string): number {
  return toSignedInt(token) ?? cannotRead(`${what} is not a whole number: ${JSON.stringify(token ?? "")}`);
}

export function needDecimal(token: string | undefined, what: string): number {
  return toDecimal(token) ?? cannotRead(`${what} is not a number: ${JSON.stringify(token ?? "")}`);
}

export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
