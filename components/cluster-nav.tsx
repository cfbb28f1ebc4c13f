"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";

const SECTIONS = [
  { label: "Overview", path: "" },
  { label: "Balancer", path: "/balancer" },
  { label: "Web", path: "/web" },
  { label: "Storage", path: "/storage" },
  { label: "Database", path: "/database" },
  { label: "Workflows", path: "/workflows" },
  { label: "Drills", path: "/drills" },
  { label: "Timeline", path: "/timeline" },
  { label: "Host keys", path: "/host-keys" },
  { label: "Audit", path: "/audit" },
] as const;

/** pages under a section that are not its own segment: an incident belongs to the timeline */
const SECTION_OF: Record<string, string> = { "/incidents": "/timeline" };

/** The cluster in the URL (or the first one), its pages, and a switcher when there are several clusters. */
export function ClusterNav({ clusters }: { clusters: { id: string; label: string }[] }) {
  const pathname = usePathname();
  const router = useRouter();
  const match = /^\/clusters\/([^/]+)(\/[^/]+)?/.exec(pathname);
  const current = match?.[1] ? decodeURIComponent(match[1]) : clusters[0]?.id;
  const segment = match?.[2] ?? "";
  const section = SECTION_OF[segment] ?? segment;
  if (current === undefined) return <nav className="nav" aria-label="Main" />;
  const base = `/clusters/${encodeURIComponent(current)}`;
  return (
    <nav className="nav" aria-label="Main">
      {clusters.length > 1 ? (
        <select
          className="cluster-switch"
          aria-label="Cluster"
          value={current}
          onChange={(e) => router.push(`/clusters/${encodeURIComponent(e.target.value)}${section}`)}
        >
          {clusters.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
      ) : null}
      {SECTIONS.map((s) => {
        const active = match !== null && section === s.path;
        return (
          <Link key={s.label} href={`${base}${s.path}`} aria-current={active ? "page" : undefined} data-testid={`nav-${s.label.toLowerCase()}`}>
            {s.label}
          </Link>
        );
      })}
    </nav>
  );
}
