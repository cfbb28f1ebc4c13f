import { Countdown } from "@/components/countdown";
import type { BalancerState } from "@/lib/cluster/state";
import { isSilent } from "@/lib/cluster/view-helpers";

/** One balancer's pool in brief: the overview's summary (the balancer page has the details). */
export function PoolTable({ balancer, takenAt }: { balancer: BalancerState; takenAt: number }) {
  const { service, ha } = balancer;
  const silent = isSilent(balancer);
  const realServers = balancer.services.length > 0 ? balancer.services.flatMap((s) => s.realServers) : balancer.realServers;
  const haWord = ha.running === null ? "unknown" : !ha.running ? "not running" : ha.vrrp?.state ? ha.vrrp.state : "running";
  return (
    <section className="panel" data-testid={`pool-${balancer.name}`} data-silent={silent ? "true" : undefined}>
      <h2>
        {balancer.name}
        {balancer.holdsVip ? " — active, holds the VIP" : " — standby"}
        {silent ? <span className="problem"> ({balancer.reachable ? "stale" : "not answering"})</span> : null}
      </h2>
      {service ? (
        <p className="muted" style={{ marginTop: 0 }}>
          {service.protocol}{" "}
          <span className="mono">
            {service.address ?? "?"}:{balancer.services.length > 1 ? balancer.services.map((s) => s.port ?? "*").join(", ") : (service.port ?? "*")}
          </span>{" "}
          · {service.scheduler}
          {service.persistent !== null ? ` · persistent ${service.persistent} s` : " · no persistence"}
        </p>
      ) : null}
      <p className={ha.running === false || ha.vrrp?.state === "FAULT" ? "problem" : "muted"} style={{ marginTop: 0 }} data-testid={`ha-${balancer.name}`}>
        {ha.stack} {haWord}
      </p>
      {balancer.problem ? <p className="problem">{balancer.problem}</p> : null}
      {realServers.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>real server</th>
              <th>node</th>
              <th className="num">weight</th>
              <th className="num">active</th>
              <th className="num">inactive</th>
              <th className="num">sticky clients</th>
            </tr>
          </thead>
          <tbody>
            {realServers.map((rs, i) => (
              <tr
                key={`${rs.address}:${rs.port}`}
                className={rs.weight === 0 ? "quiesced" : ""}
                data-testid={`rs-${balancer.name}-${rs.host ?? rs.address}${realServers.findIndex((x) => x.address === rs.address) === i ? "" : `-${rs.port ?? ""}`}`}
              >
                <td className="mono">
                  {rs.address}:{rs.port ?? "*"}
                </td>
                <td>{rs.host ?? <span className="muted">unknown</span>}</td>
                <td className="num">{rs.weight === 0 ? "0 (no new clients)" : rs.weight}</td>
                <td className="num">{rs.activeConns}</td>
                <td className="num">{rs.inactiveConns}</td>
                <td className="num">
                  {rs.stickyClients}
                  {rs.stickyClients > 0 ? (
                    <span className="muted">
                      {" "}
                      · <Countdown seconds={rs.stickyLongestSeconds} takenAt={takenAt} />
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
