"use client";

import Link from "next/link";
import { ChartSection } from "@/components/chart-section";
import { LoadChart } from "@/components/charts/load-chart";
import { FindingsList } from "@/components/findings-list";
import { LoadFailed, PageHead } from "@/components/page-head";
import { PoolTable } from "@/components/pool-table";
import { VerdictBanner } from "@/components/verdict-banner";
import { VmCard } from "@/components/vm-card";
import { findingsAbout, hostsOfServer, vipLine, vmStatus, vmTone } from "@/lib/cluster/view-helpers";
import { useClusterView } from "@/lib/queries/use-cluster-view";

export function Client({ clusterId, label, staleAfterSeconds }: { clusterId: string; label: string; staleAfterSeconds: number }) {
  const { data, error, dataUpdatedAt } = useClusterView(clusterId);
  if (!data) return <LoadFailed what="the overview" error={error} />;
  const { state, findings, verdict } = data;
  const offline = Boolean(error && dataUpdatedAt);
  const vip = vipLine(state);
  const refused = state.hosts.filter((h) => h.keyRejected).map((h) => h.name);
  const balancers = [...state.balancers].sort((a, b) => Number(b.holdsVip) - Number(a.holdsVip));
  return (
    <main>
      <PageHead title={label} takenAt={state.takenAt} staleAfterSeconds={staleAfterSeconds} offline={offline}>
        <span className={vip.ok ? "sub" : "problem"} data-testid="vip-line">
          {vip.text}
        </span>
      </PageHead>
      {refused.length > 0 ? (
        <div className="banner crit" role="alert" data-testid="host-key-banner">
          The host key of {refused.join(", ")} was refused: nothing is read from {refused.length === 1 ? "it" : "them"} until an admin checks the key.{" "}
          <Link href={`/clusters/${encodeURIComponent(clusterId)}/host-keys`}>Review host keys</Link>
        </div>
      ) : null}
      <VerdictBanner verdict={verdict} silent={offline} waiting={state.hosts.every((h) => h.lastSeenAt === null)} />
      <div className="servers">
        {state.servers.map((server) => {
          const hosts = hostsOfServer(state, server.name);
          const up = hosts.filter((h) => vmStatus(h) === "up").length;
          return (
            <section key={server.name} className="panel server" data-testid={`server-${server.name}`}>
              <h2>
                {server.label}
                <span className="count">
                  {up}/{hosts.length} VMs answering
                </span>
              </h2>
              <div className="vms">
                {hosts.map((host) => (
                  <VmCard
                    key={host.name}
                    host={host}
                    holdsVip={state.vipHolders.includes(host.name)}
                    tone={vmTone(host, findings, host.name)}
                    findings={findingsAbout(findings, host.name)}
                    takenAt={state.takenAt}
                  />
                ))}
              </div>
            </section>
          );
        })}
      </div>
      <FindingsList findings={findings} empty="No findings: every check passes." />
      <h2 className="section-title">Balancer pool</h2>
      <div className="pools">
        {balancers.map((b) => (
          <PoolTable key={b.name} balancer={b} takenAt={state.takenAt} />
        ))}
      </div>
      <ChartSection title="Load per VM">{(range) => <LoadChart clusterId={clusterId} range={range} />}</ChartSection>
    </main>
  );
}
