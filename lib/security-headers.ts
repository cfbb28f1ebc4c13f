// The headers every answer carries (proxy.ts). No framing at all (clickjacking of the workflow
// buttons), no MIME sniffing, no full URL in the Referer of links to elsewhere (a run or incident
// path says what is being done), and HSTS only when people reach the console over https.

const ALWAYS: Record<string, string> = {
  "content-security-policy": "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

const HSTS = "max-age=31536000; includeSubDomains";

/** `publicUrl`: CLUSTERDECK_PUBLIC_URL, where people reach the console. */
export function securityHeaders(publicUrl: string | undefined): Record<string, string> {
  return publicUrl?.startsWith("https://") ? { ...ALWAYS, "strict-transport-security": HSTS } : ALWAYS;
}
