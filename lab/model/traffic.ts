import { deriveRng } from "./rng";
import { VM_INFO } from "./settings";
import type { Balancers } from "./balancer";
import type { LabWorld } from "./world";
import type { Rng, Tiers, WebRequest, WebVm } from "./types";

export interface TrafficOptions {
  /** mean number of users online in the steady state */
  meanUsers: number;
  /** mean think time between clicks, model ms */
  thinkMs: number;
  /** mean clicks per visit */
  clicksPerVisit: number;
  /** Apache's KeepAliveTimeout: how long a connection stays open after its last request */
  keepAliveMs: number;
}

export const DEFAULT_TRAFFIC: TrafficOptions = { meanUsers: 40, thinkMs: 25_000, clicksPerVisit: 15, keepAliveMs: 5_000 };

interface User {
  id: string;
  client: string;
  sessionId: string | null;
  failures: number;
}

export interface TrafficTotals {
  requests: number;
  errors: number;
  sessionsLost: number;
  logins: number;
  visits: number;
}

const WEB_BY_ADDRESS = new Map<string, WebVm>([
  [VM_INFO.web1.clusterAddress, "web1"],
  [VM_INFO.web2.clusterAddress, "web2"],
]);

/** synthetic Moodle users: they arrive, log in, click, and leave; every request crosses the VIP holder's LVS table */
export class Traffic {
  private readonly rng: Rng;
  private readonly users = new Map<string, User>();
  private nextId = 1;
  readonly totals: TrafficTotals = { requests: 0, errors: 0, sessionsLost: 0, logins: 0, visits: 0 };
  private readonly windowCount = { web1: 0, web2: 0, total: 0 };
  /** requests per second, smoothed */
  readonly rate = { web1: 0, web2: 0, total: 0 };

  constructor(
    private readonly world: LabWorld,
    private readonly balancers: Balancers,
    private readonly tiers: Tiers,
    private readonly opts: TrafficOptions = DEFAULT_TRAFFIC,
  ) {
    this.rng = deriveRng(world.settings.seed, "traffic");
    for (let i = 0; i < opts.meanUsers; i++) this.arrive(this.rng.next() * opts.thinkMs);
    this.scheduleArrival();
    world.scheduler.every(5000, () => this.updateRates(5000));
  }

  userCount(): number {
    return this.users.size;
  }

  private scheduleArrival(): void {
    const meanGap = (this.opts.clicksPerVisit * this.opts.thinkMs) / this.opts.meanUsers;
    this.world.scheduler.after(this.rng.exp(meanGap), () => {
      this.arrive(0);
      this.scheduleArrival();
    });
  }

  private arrive(delay: number): void {
    const id = `u${this.nextId++}`;
    const net = this.rng.next() < 0.7 ? "198.51.100" : "192.0.2";
    const user: User = { id, client: `${net}.${this.rng.int(2, 254)}`, sessionId: null, failures: 0 };
    this.users.set(id, user);
    this.totals.visits++;
    this.world.scheduler.after(delay, () => this.act(user));
  }

  private act(user: User): void {
    const leaving = user.sessionId !== null && this.rng.next() < 1 / this.opts.clicksPerVisit;
    if (leaving && this.rng.next() < 0.25) {
      this.users.delete(user.id);
      return;
    }
    const kind: WebRequest["kind"] = user.sessionId === null ? "login" : leaving ? "logout" : "click";
    const ok = this.request(user, kind);
    if (kind === "logout") {
      this.users.delete(user.id);
      return;
    }
    user.failures = ok ? 0 : user.failures + 1;
    if (user.failures >= 4) {
      this.users.delete(user.id);
      return;
    }
    const think = ok ? this.rng.exp(this.opts.thinkMs) : this.rng.int(3000, 15000);
    this.world.scheduler.after(think, () => this.act(user));
  }

  /** one page view: a new TCP connection to the VIP, scheduled by LVS, served by a web node */
  private request(user: User, kind: WebRequest["kind"]): boolean {
    const now = this.world.now();
    this.totals.requests++;
    const lb = this.balancers.ha.trafficTarget();
    const table = lb ? this.balancers.nodes[lb].table : null;
    const svc = table?.findService("TCP", this.world.settings.vip, this.world.settings.vipPort);
    const dest = table && svc ? table.schedule(svc, user.client, now) : null;
    if (!lb || !table || !svc || !dest) return this.fail();
    const port = this.rng.int(32768, 60999);
    const node = WEB_BY_ADDRESS.get(dest.address);
    if (!node || !this.world.canReach(lb, node)) {
      table.openConn(svc, dest, user.client, port, now, "SYN_RECV");
      table.count(svc, dest, 3, 180, 0, 0);
      return this.fail();
    }
    const conn = table.openConn(svc, dest, user.client, port, now);
    const res = this.tiers.serveRequest(node, { userId: user.id, kind, sessionId: user.sessionId });
    const inPkts = this.rng.int(6, 14);
    const outPkts = this.rng.int(8, 40);
    table.count(svc, dest, inPkts, inPkts * 52 + this.rng.int(400, 1400), outPkts, outPkts * 1200);
    this.windowCount[node]++;
    this.windowCount.total++;
    this.world.scheduler.after(this.opts.keepAliveMs + this.rng.int(0, 2000), () => {
      if (conn.state === "ESTABLISHED") table.setState(conn, "FIN_WAIT", this.world.now());
    });
    if (res.status === 0 || res.status >= 500) return this.fail();
    if (kind === "login") {
      this.totals.logins++;
      user.sessionId = res.sessionId;
    } else if (kind === "click" && (res.sessionId === null || res.sessionId !== user.sessionId)) {
      this.totals.sessionsLost++;
      user.sessionId = null;
    }
    return true;
  }

  private fail(): boolean {
    this.totals.errors++;
    return false;
  }

  private updateRates(intervalMs: number): void {
    const sec = intervalMs / 1000;
    for (const k of ["web1", "web2", "total"] as const) {
      this.rate[k] += (this.windowCount[k] / sec - this.rate[k]) * 0.3;
      this.windowCount[k] = 0;
    }
  }

  truth(): unknown {
    return { users: this.users.size, rate: this.rate, totals: this.totals };
  }
}
