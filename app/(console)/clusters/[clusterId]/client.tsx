"use client";

import { useQuery } from "@tanstack/react-query";
import { Freshness } from "@/components/freshness";
import { PoolTable } from "@/components/pool-table";
import { VmCard } from "@/components/vm-card";
import { overviewQuery } from "@/lib/queries/overview";

export function Client({ clusterId, staleAfterSeconds }: { clusterId: string; staleAfterSeconds: number }) {
  const { data, error, dataUpdatedAt } = useQuery(overviewQuery(clusterId));
  if (!data) {
    return (
      <main>
        <div className="banner crit" role="alert">
          Could not load the overview{error ? `: ${error.message}` : ""}.
        </div>
      </main>
    );
  }
  const vipLine =
    data.vipHolders.length === 1
      ? `VIP ${data.vip} on ${data.vipHolders[0]}`
      : data.vipHolders.length === 0
        ? `VIP ${data.vip} is on no balancer`
        : `VIP ${data.vip} is on ${data.vipHolders.join(" and ")} at once`;
  return (
    <main>
      <div className="page-head">
        <h1>{data.label}</h1>
        <span className={data.vipHolders.length === 1 ? "sub" : "problem"} data-testid="vip-line">
          {vipLine}
        </span>
        <Freshness at={data.takenAt} staleAfterSeconds={staleAfterSeconds} error={error && dataUpdatedAt ? "cannot reach the console server" : null} />
      </div>
      <div className="servers">
        {data.servers.map((server) => {
          const up = server.vms.filter((v) => v.status === "up").length;
          return (
            <section key={server.name} className="panel server" data-testid={`server-${server.name}`}>
              <h2>
                {server.label}
                <span className="count">
                  {up}/{server.vms.length} VMs answering
                </span>
              </h2>
              <div className="vms">
                {server.vms.map((vm) => (
                  <VmCard key={vm.name} vm={vm} />
                ))}
              </div>
            </section>
          );
        })}
      </div>
      <h2>Balancer pool</h2>
      <div className="pools">
        {data.pools.map((pool) => (
          <PoolTable key={pool.balancer} pool={pool} />
        ))}
      </div>
    </main>
  );
}
