import { Countdown } from "@/components/countdown";
import { Kv } from "@/components/kv";
import { SilentNote } from "@/components/silent-note";
import { vipReturnBetween } from "@/lib/cluster/preemption";
import type { BalancerState, VrrpView } from "@/lib/cluster/state";
import { formatBytes, formatCount, isSilent, realServerDrift, yesNo } from "@/lib/cluster/view-helpers";

const VRRP_TONE = { MASTER: "ok", BACKUP: undefined, FAULT: "crit", STOP: "crit" } as const;

function vrrpConfig(c: NonNullable<VrrpView["configured"]>): string {
  const preempt = c.nopreempt ? (c.initialState === "MASTER" ? "nopreempt (ignored: initial state MASTER)" : "nopreempt") : "preempts";
  return `initial ${c.initialState ?? "BACKUP"}, priority ${c.priority}, ${preempt}${c.preemptDelay > 0 ? `, preempt_delay ${c.preemptDelay} s` : ""}, advert ${c.advertInt} s`;
}

/** One balancer as its own kernel and HA daemon see it. */
export function BalancerPanel({
  balancer,
  takenAt,
  webHosts,
  vipContested,
  peer,
}: {
  balancer: BalancerState;
  takenAt: number;
  webHosts: { name: string; clusterAddress: string | null }[];
  /** more than one balancer holds the VIP */
  vipContested: boolean;
  /** the other balancer: what happens to the VIP when this one's daemon restarts */
  peer?: BalancerState;
}) {
  const { ha, service } = balancer;
  const silent = isSilent(balancer);
  const realServers = balancer.services.length > 0 ? balancer.services.flatMap((s) => s.realServers) : balancer.realServers;
  const hasCounters = realServers.some((r) => r.counters !== null);
  const hasRates = realServers.some((r) => r.rates !== null);
  const comesBack = peer && balancer.holdsVip && ha.stack === "keepalived" ? vipReturnBetween(ha.stack, balancer, peer, () => null) : null;
  return (
    <section className="panel" data-testid={`balancer-${balancer.name}`} data-silent={silent ? "true" : undefined}>
      <h2>
        {balancer.name}
        <span className="muted"> · server {balancer.server}</span>
        <span className={balancer.holdsVip ? (vipContested ? "badge badge-crit" : "badge badge-accent") : "badge"}>
          {balancer.holdsVip ? (vipContested ? "holds the VIP — so does another: split brain" : "holds the VIP") : "standby"}
        </span>
      </h2>
      <SilentNote of={balancer} takenAt={takenAt} />
      <dl className="kv">
        <Kv label="HA stack">{ha.stack}</Kv>
        <Kv label={`${ha.stack} running`} tone={ha.running === false ? "crit" : ha.running ? "ok" : undefined}>
          {yesNo(ha.running)}
        </Kv>
        {ha.stack === "keepalived" ? (
          <>
            <Kv label={`VRRP ${ha.vrrp?.instance ?? ""}`.trim()} tone={ha.vrrp?.state ? VRRP_TONE[ha.vrrp.state] : undefined}>
              <span data-testid={`vrrp-${balancer.name}`}>
                {ha.vrrp?.state ?? "not recorded"}
                {ha.vrrp?.since ? <span className="muted"> since {new Date(ha.vrrp.since).toISOString().slice(11, 19)} UTC</span> : null}
                {ha.vrrp?.priority !== null && ha.vrrp?.priority !== undefined ? <span className="muted"> · priority {ha.vrrp.priority}</span> : null}
              </span>
            </Kv>
            <Kv label="keepalived.conf">{ha.vrrp?.configured ? vrrpConfig(ha.vrrp.configured) : "not read"}</Kv>
            {comesBack ? <Kv label={`if ${balancer.name} restarts`}>{comesBack.why}</Kv> : null}
          </>
        ) : (
          <>
            <Kv label="peer as seen here" tone={ha.peerStatus === null ? undefined : ha.peerStatus === "active" || ha.peerStatus === "up" || ha.peerStatus === "online" ? "ok" : "crit"}>
              {ha.peerStatus ?? "unknown"}
            </Kv>
            {ha.nodes ? (
              <Kv label={`the pair as ${balancer.name} sees it`}>
                <span data-testid={`ha-view-${balancer.name}`}>{ha.nodes.map((n) => `${n.name} ${n.status}`).join(" · ")}</span>
              </Kv>
            ) : null}
            {ha.detail ? <Kv label="HA detail">{ha.detail}</Kv> : null}
          </>
        )}
        <Kv label="VIP on this balancer" tone={balancer.holdsVip ? (vipContested ? "crit" : "ok") : undefined}>
          {balancer.holdsVip ? "yes" : silent ? "unknown" : "no"}
        </Kv>
        <Kv label={balancer.services.length > 1 ? "virtual services" : "virtual service"}>
          {balancer.services.length > 0 ? (
            <span className="mono">{balancer.services.map((s) => `${s.protocol} ${s.address ?? "?"}:${s.port ?? "*"}`).join(", ")}</span>
          ) : service ? (
            <span className="mono">
              {service.protocol} {service.address ?? "?"}:{service.port ?? "*"}
            </span>
          ) : (
            <span className="problem">none for the VIP</span>
          )}
        </Kv>
        <Kv label="scheduler">{service?.scheduler ?? "—"}</Kv>
        <Kv label="persistence">{service ? (service.persistent === null ? "none" : `${service.persistent} s`) : "—"}</Kv>
        <Kv label="connection entries">{formatCount(balancer.connections)}</Kv>
      </dl>
      {balancer.problem ? <p className="problem">{balancer.problem}</p> : null}
      {balancer.config?.refusedAt ? (
        <p className="problem" data-testid={`ldirectord-refused-${balancer.name}`}>
          ldirectord refuses this ldirectord.cf at line {balancer.config.refusedAt.line}: {balancer.config.refusedAt.reason}
        </p>
      ) : null}
      {realServers.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>real server</th>
                <th>node</th>
                <th className="num">weight</th>
                <th className="num">active</th>
                <th className="num">inactive</th>
                <th className="num">sticky</th>
                <th className="num">pin ends</th>
              </tr>
            </thead>
            <tbody>
              {realServers.map((rs, i) => (
                <tr
                  key={`${rs.address}:${rs.port}`}
                  className={rs.weight === 0 ? "quiesced" : ""}
                  data-testid={`lvs-${balancer.name}-${rs.host ?? rs.address}${realServers.findIndex((x) => x.address === rs.address) === i ? "" : `-${rs.port ?? ""}`}`}
                >
                  <td className="mono">
                    {rs.address}:{rs.port ?? "*"} <span className="muted">{rs.forward}</span>
                  </td>
                  <td>{rs.host ?? <span className="muted">unknown</span>}</td>
                  <td className="num">{rs.weight === 0 ? "0 · no new clients" : rs.weight}</td>
                  <td className="num">{formatCount(rs.activeConns)}</td>
                  <td className="num">{formatCount(rs.inactiveConns)}</td>
                  <td className="num">{formatCount(rs.stickyClients)}</td>
                  <td className="num">{rs.stickyClients > 0 ? <Countdown seconds={rs.stickyLongestSeconds} takenAt={takenAt} /> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {hasCounters || hasRates ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>traffic</th>
                {hasCounters ? <th className="num">conns total</th> : null}
                {hasCounters ? <th className="num">in</th> : null}
                {hasCounters ? <th className="num">out</th> : null}
                {hasRates ? <th className="num">conn/s</th> : null}
                {hasRates ? <th className="num">in/s</th> : null}
                {hasRates ? <th className="num">out/s</th> : null}
              </tr>
            </thead>
            <tbody>
              {realServers.map((rs) => (
                <tr key={`${rs.address}:${rs.port}`}>
                  <td>{rs.host ?? rs.address}</td>
                  {hasCounters ? <td className="num">{formatCount(rs.counters?.conns)}</td> : null}
                  {hasCounters ? <td className="num">{formatBytes(rs.counters?.inBytes)}</td> : null}
                  {hasCounters ? <td className="num">{formatBytes(rs.counters?.outBytes)}</td> : null}
                  {hasRates ? <td className="num">{formatCount(rs.rates?.cps)}</td> : null}
                  {hasRates ? <td className="num">{formatBytes(rs.rates?.inBps)}</td> : null}
                  {hasRates ? <td className="num">{formatBytes(rs.rates?.outBps)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
          {realServers.every((rs) => rs.forward === "Route") ? (
            <p className="muted caption">Direct routing: replies go straight from the web nodes to clients, so LVS counts no outgoing traffic.</p>
          ) : null}
        </div>
      ) : null}
      <DriftTable balancer={balancer} webHosts={webHosts} />
    </section>
  );
}

const DRIFT_WORDS = {
  "in-step": "in step",
  "weight-differs": "weight differs",
  "missing-at-runtime": "missing at runtime",
  "not-configured": "not in ldirectord.cf",
  unknown: "unknown",
} as const;

/** ldirectord.cf against the kernel's table, one row per real server; drift highlighted. */
export function DriftTable({ balancer, webHosts }: { balancer: BalancerState; webHosts: { name: string; clusterAddress: string | null }[] }) {
  const rows = realServerDrift(balancer, webHosts);
  const drifting = rows.filter((r) => r.kind !== "in-step").length;
  return (
    <div className="drift" data-testid={`drift-${balancer.name}`}>
      <h3>
        ldirectord.cf against runtime
        <span className="muted">
          {" "}
          · quiescent {yesNo(balancer.config?.quiescent)} · {drifting === 0 ? "in step" : `${drifting} differ`}
        </span>
      </h3>
      {rows.length === 0 ? (
        <p className="muted empty">No real servers configured or running.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>real server</th>
              <th>node</th>
              <th className="num">configured</th>
              <th className="num">runtime</th>
              <th>state</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr
                key={`${r.address}:${r.port}`}
                data-drift={r.kind}
                data-testid={`drift-${balancer.name}-${r.host ?? r.address}${rows.findIndex((x) => x.address === r.address) === i ? "" : `-${r.port ?? ""}`}`}
              >
                <td className="mono">
                  {r.address}:{r.port ?? "*"}
                </td>
                <td>{r.host ?? <span className="muted">unknown</span>}</td>
                <td className="num">{r.configWeight ?? "—"}</td>
                <td className="num">{r.runtimeWeight ?? "—"}</td>
                <td>
                  <span className="drift-kind">{DRIFT_WORDS[r.kind]}</span>
                  {r.note ? <span className="muted"> — {r.note}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
