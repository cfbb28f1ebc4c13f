import type { PoolView } from "@/lib/cluster/overview";
import { formatCountdown } from "@/lib/format";

export function PoolTable({ pool }: { pool: PoolView }) {
  return (
    <section className="panel" data-testid={`pool-${pool.balancer}`}>
      <h2>
        {pool.balancer}
        {pool.holdsVip ? " — active, holds the VIP" : " — standby"}
        {pool.stale ? <span className="problem"> (stale)</span> : null}
      </h2>
      {pool.service ? (
        <p className="muted" style={{ marginTop: 0 }}>
          {pool.service.protocol} <span className="mono">{pool.service.address}:{pool.service.port}</span> · {pool.service.scheduler}
          {pool.service.persistent !== null ? ` · persistent ${pool.service.persistent} s` : " · no persistence"}
        </p>
      ) : null}
      {pool.problem ? <p className="problem">{pool.problem}</p> : null}
      {pool.realServers.length > 0 ? (
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
            {pool.realServers.map((rs) => (
              <tr key={`${rs.address}:${rs.port}`} className={rs.weight === 0 ? "quiesced" : ""} data-testid={`rs-${pool.balancer}-${rs.host ?? rs.address}`}>
                <td className="mono">
                  {rs.address}:{rs.port}
                </td>
                <td>{rs.host ?? <span className="muted">unknown</span>}</td>
                <td className="num">{rs.weight === 0 ? "0 (no new clients)" : rs.weight}</td>
                <td className="num">{rs.activeConns}</td>
                <td className="num">{rs.inactiveConns}</td>
                <td className="num">
                  {rs.stickyClients}
                  {rs.stickyLongestSeconds !== null ? <span className="muted"> · {formatCountdown(rs.stickyLongestSeconds)}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
