/**
 * Hides the values of secret-looking settings in text a host printed or a command line, before it is
 * stored (the command audit, a run's steps) or shown. One forward scan, no backtracking patterns: every
 * look-ahead ends where the scan resumes, so a hostile megabyte costs one pass.
 */

export const MASK = "********";

/** keys whose value is a secret: exact names, and any name ending in one of SECRET_SUFFIXES */
const SECRET_KEYS = new Set([
  "passwd",
  "password",
  "secret",
  "token",
  "dbpass",
  "bindpw",
  "apikey",
  "api_key",
  "api-key",
  "x-api-key",
  "auth_pass",
  "authkey",
  "authorization",
  "proxy-authorization",
]);
const SECRET_SUFFIXES = ["_password", "-password", "_passwd", "_secret", "-secret", "_token", "-token", "_pass", "_api_key", "_apikey"];
/** the scheme word kept in front of an Authorization header's credentials */
const AUTH_SCHEMES = new Set(["bearer", "basic", "digest", "token", "negotiate", "ntlm", "apikey"]);
/** heartbeat's authkeys: `<id> <method> <key>` (crc has no key) */
const AUTHKEYS_METHODS = new Set(["sha1", "md5"]);
/** a longer word is never a key: it is not even lowercased */
const MAX_KEY = 40;

const isWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
const isWordStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isBlank = (c: number) => c === 32 || c === 9;
/** where an unquoted value inside a command line or a query string ends */
const endsValue = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39 || c === 59 || c === 38 || c === 96;
/** where a URL's authority ends */
const endsAuthority = (c: number) => c === 47 || c === 63 || c === 35 || c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96;

function isSecretKey(lower: string): boolean {
  if (SECRET_KEYS.has(lower)) return true;
  for (const s of SECRET_SUFFIXES) if (lower.length > s.length && lower.endsWith(s)) return true;
  return false;
}

/** `text` with the value of every secret-looking setting replaced by MASK; text without one comes back as is. */
export function maskSecrets(text: string): string {
  if (text === "") return text;
  const n = text.length;
  const ranges: number[] = []; // [start, end) pairs, in order, not overlapping
  const mask = (start: number, end: number) => {
    if (end > start) ranges.push(start, end);
  };
  const skipBlanks = (j: number) => {
    while (j < n && isBlank(text.charCodeAt(j))) j++;
    return j;
  };
  /** the end of the line at or after j, before a \r */
  const lineEnd = (j: number) => {
    let end = text.indexOf("\n", j);
    if (end === -1) end = n;
    let e = end;
    while (e > j && (text.charCodeAt(e - 1) === 13 || isBlank(text.charCodeAt(e - 1)))) e--;
    return { end, content: e };
  };
  const readWord = (j: number) => {
    let k = j;
    while (k < n && isWordChar(text.charCodeAt(k))) k++;
    return k;
  };
  /**
   * Mask the value starting at j: quoted (to the closing quote on the line), the rest of the line when the
   * key opened a config line, else up to the end of the token. Returns where scanning goes on.
   */
  const value = (j: number, restOfLine: boolean): number => {
    const c = text.charCodeAt(j);
    if (c === 34 || c === 39) {
      let k = j + 1;
      while (k < n && text.charCodeAt(k) !== c && text.charCodeAt(k) !== 10) k++;
      mask(j + 1, k);
      return k < n && text.charCodeAt(k) === c ? k + 1 : k;
    }
    if (restOfLine) {
      const { end, content } = lineEnd(j);
      mask(j, content);
      return end;
    }
    let k = j;
    while (k < n && !endsValue(text.charCodeAt(k))) k++;
    mask(j, k);
    return k;
  };

  // the last four words (w1 the current one), lowercased ("" for a long one), for IDENTIFIED [WITH x|VIA x] BY|USING
  let w1 = "";
  let w2 = "";
  let w3 = "";
  let w4: string;
  let lineStart = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (lineStart && (isBlank(c) || c === 35 || c === 13)) {
      // a commented-out line is masked too: `#2 sha1 HI!`, `#	passwd="..."`
      i++;
      continue;
    }
    if (lineStart && isDigit(c)) {
      // authkeys: 1 sha1 <key>
      let k = i;
      while (k < n && isDigit(text.charCodeAt(k))) k++;
      const m = skipBlanks(k);
      const end = readWord(m);
      const after = skipBlanks(end);
      if (m > k && after > end && end - m <= 4 && AUTHKEYS_METHODS.has(text.slice(m, end).toLowerCase())) {
        const line = lineEnd(after);
        mask(after, line.content);
        i = line.end;
        continue;
      }
      lineStart = false;
      i = k;
      continue;
    }
    if (!isWordStart(c)) {
      // a word glued to digits before it is not a key (`2password=` is not a setting)
      if (isDigit(c)) {
        i = readWord(i);
      } else {
        i++;
      }
      lineStart = false;
      continue;
    }
    const firstOnLine = lineStart;
    lineStart = false;
    const end = readWord(i);
    const lower = end - i <= MAX_KEY ? text.slice(i, end).toLowerCase() : "";
    const before = i > 0 ? text.charCodeAt(i - 1) : 0;
    w4 = w3;
    w3 = w2;
    w2 = w1;
    w1 = lower;
    i = end;

    // scheme://user:password@host
    if (text.startsWith("://", end)) {
      let k = end + 3;
      let at = -1;
      let colon = -1;
      while (k < n && !endsAuthority(text.charCodeAt(k))) {
        const ch = text.charCodeAt(k);
        if (ch === 64) at = k;
        else if (ch === 58 && colon === -1) colon = k;
        k++;
      }
      if (at !== -1 && colon !== -1 && colon < at) mask(colon + 1, at);
      i = k;
      continue;
    }

    if (lower === "") continue;

    const identified = w2 === "identified" || ((w3 === "with" || w3 === "via") && w4 === "identified");
    if ((lower === "by" || lower === "using") && identified) {
      let k = skipBlanks(end);
      // IDENTIFIED BY PASSWORD '*hash', USING PASSWORD('x')
      if (text.slice(k, k + 8).toLowerCase() === "password" && !isWordChar(text.charCodeAt(k + 8))) k = skipBlanks(k + 8);
      if (text.charCodeAt(k) === 40) k = skipBlanks(k + 1);
      i = value(k, false);
      continue;
    }

    if (lower === "bearer") {
      const k = skipBlanks(end);
      if (k > end && k < n) i = value(k, false);
      continue;
    }

    if (!isSecretKey(lower)) continue;
    let k = end;
    // "password": "x" (JSON), 'password' => 'x' (PHP)
    if ((before === 34 || before === 39) && text.charCodeAt(k) === before) k++;
    const gap = skipBlanks(k);
    const sep = text.charCodeAt(gap);
    if (sep === 61 || sep === 58) {
      // `using password: YES` is MySQL's note on whether one was given, not one
      if (sep === 58 && w2 === "using") continue;
      k = gap + 1;
      if (sep === 61 && text.charCodeAt(k) === 62) k++;
    } else if (sep === 40) {
      k = gap + 1;
    } else if (gap > k && (firstOnLine || lower === "auth_pass") && gap < n && sep !== 10 && sep !== 13) {
      // keepalived's `auth_pass 1111`, a config line `Password clusterd`, a tab-separated `report_password\tx`
      k = gap;
    } else {
      continue;
    }
    k = skipBlanks(k);
    if (lower === "authorization" || lower === "proxy-authorization") {
      const schemeEnd = readWord(k);
      if (schemeEnd > k && schemeEnd - k <= 16 && AUTH_SCHEMES.has(text.slice(k, schemeEnd).toLowerCase())) k = skipBlanks(schemeEnd);
      i = value(k, firstOnLine);
      continue;
    }
    if (k >= n || text.charCodeAt(k) === 10) continue;
    i = value(k, firstOnLine);
  }

  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let from = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const start = ranges[r] ?? 0;
    const stop = ranges[r + 1] ?? 0;
    if (start < from) continue;
    parts.push(text.slice(from, start), MASK);
    from = stop;
  }
  parts.push(text.slice(from));
  return parts.join("");
}

/** maskSecrets for an output that may be absent */
export function maskOptional(text: string | undefined): string | undefined {
  return text === undefined ? undefined : maskSecrets(text);
}

/** a command's line and what it printed, as stored and shown */
export function maskCommandOutput<T extends { line: string; stdout: string; stderr: string }>(output: T): T {
  return { ...output, line: maskSecrets(output.line), stdout: maskSecrets(output.stdout), stderr: maskSecrets(output.stderr) };
}
