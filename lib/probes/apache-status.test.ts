import { describe, expect, it } from "vitest";
import { type ApacheStatus, apacheStatusProbe, parseApacheStatus, requestRate } from "@/lib/probes/apache-status";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const read = (file: string) => valueOf(parseApacheStatus(fixture("apache-server-status", file)));

describe("apache-status", () => {
  it("fetches server-status?auto with curl", () => {
    expect(apacheStatusProbe.command({ statusUrl: "http://127.0.0.1/server-status?auto" })).toBe(
      "curl -fsS --max-time 5 'http://127.0.0.1/server-status?auto'",
    );
  });

  it("reads Apache 2.4 event output", () => {
    const value = read("apache_exporter-24-event.txt");
    expect(value).toMatchObject({
      serverName: "localhost",
      serverVersion: "Apache/2.4.23 (Unix)",
      mpm: "event",
      uptimeSeconds: 445,
      totalAccesses: 131,
      totalKBytes: 138,
      requestsPerSecond: 0.294382,
      bytesPerSecond: 317.555,
      cpuLoad: 0.0898876,
      busyWorkers: 1,
      idleWorkers: 74,
      connsTotal: 0,
    });
    expect(value.scoreboard).toMatchObject({ waiting: 4, sending: 1, total: 5 });
    expect(value.fields["Server Built"]).toBe("Jul 29 2016 04:26:14");
  });

  it("reads prefork, TLS cache and proxy balancer extras", () => {
    const prefork = read("apache_exporter-24-prefork.txt");
    expect(prefork).toMatchObject({ mpm: "prefork", busyWorkers: 2, idleWorkers: 48, uptimeSeconds: 85, connsTotal: null });
    expect(prefork.scoreboard).toMatchObject({ reading: 1, keepalive: 1, waiting: 48 });
    expect(prefork.scoreboard.total).toBe(prefork.scoreboard.waiting + prefork.scoreboard.reading + prefork.scoreboard.keepalive + prefork.scoreboard.open);
    expect(read("apache_exporter-24-event-tls-cache.txt").fields.CacheType).toBe("SHMCB");
    expect(read("apache_exporter-24-event-proxybalancer.txt").fields["ProxyBalancer[1]Worker[1]Name"]).toBe("https://app-02:8143");
  });

  it("reads Apache 2.2 short output", () => {
    const value = read("apache_exporter-22.txt");
    expect(value).toMatchObject({ serverName: null, serverVersion: null, mpm: null, uptimeSeconds: 45683, totalAccesses: 302311, cpuLoad: 27.4052, busyWorkers: 2, idleWorkers: 8 });
    expect(value.scoreboard).toMatchObject({ sending: 1, keepalive: 1, waiting: 8 });
    expect(read("diamond-httpd22-live-1.txt")).toMatchObject({ totalAccesses: 8284, uptimeSeconds: 272814, busyWorkers: 1, idleWorkers: 1 });
    expect(read("diamond-httpd22-live-2.txt")).toMatchObject({ busyWorkers: 9, idleWorkers: 0, scoreboard: { keepalive: 7, reading: 1, sending: 1 } });
    expect(read("diamond-httpd22-live-3.txt")).toMatchObject({ totalAccesses: 0, busyWorkers: 0, scoreboard: { waiting: 0 } });
    expect(read("diamond-httpd22-live-4.txt")).toMatchObject({ bytesPerSecond: 2417.83, idleWorkers: 17, scoreboard: { waiting: 17, sending: 1 } });
  });

  it("reads a busy event server", () => {
    const value = read("telegraf-event-large.txt");
    expect(value).toMatchObject({ totalAccesses: 129811861, totalKBytes: 5213701865, busyWorkers: 270, idleWorkers: 630, connsTotal: 1451, requestsPerSecond: 137.87 });
    expect(value.fields.ConnsAsyncKeepAlive).toBe("945");
  });

  it("reads Debian 12's Apache 2.4.71 with both MPMs, GracefulWorkers included", () => {
    expect(read("debian12-2.4.71-prefork-41-requests-CAPTURED.txt")).toMatchObject({
      serverVersion: "Apache/2.4.71 (Debian)",
      mpm: "prefork",
      uptimeSeconds: 2,
      totalAccesses: 41,
      requestsPerSecond: 20.5,
      busyWorkers: 1,
      gracefulWorkers: 0,
      idleWorkers: 4,
    });
    expect(read("debian12-2.4.71-event-41-requests-CAPTURED.txt")).toMatchObject({ mpm: "event", totalAccesses: 41, connsTotal: 0, idleWorkers: 49, gracefulWorkers: 0 });
    // a graceful restart keeps the counters and the uptime (RestartTime is the first start)
    expect(read("debian12-2.4.71-prefork-after-graceful-CAPTURED.txt")).toMatchObject({ uptimeSeconds: 5, totalAccesses: 44, fields: { ParentServerConfigGeneration: "2" } });
  });

  it("reads the first second after a start, when Apache prints CPULoad as 0.e+79", () => {
    const value = read("debian12-2.4.71-prefork-uptime0-CAPTURED.txt");
    expect(value).toMatchObject({ uptimeSeconds: 0, totalAccesses: 0, cpuLoad: null, requestsPerSecond: null, busyWorkers: 1 });
  });

  describe("requestRate", () => {
    const status = (totalAccesses: number | null, uptimeSeconds: number | null): ApacheStatus => ({
      ...read("debian12-2.4.71-event-41-requests-CAPTURED.txt"),
      totalAccesses,
      uptimeSeconds,
    });
    it("is the accesses between two polls over the time between them, less the console's own status request", () => {
      // 0.73 req/s over the lifetime while 43 req/s are served now
      const before = { at: 1_000_000, status: status(1_000_000, 1_369_863) };
      const after = { at: 1_002_000, status: status(1_000_087, 1_369_865) };
      expect(requestRate(before, after)).toEqual({ perSecond: 43, reason: null });
      expect(after.status.requestsPerSecond).not.toBe(43);
    });
    it("is unknown across a restart, on the first poll, and without ExtendedStatus", () => {
      expect(requestRate({ at: 0, status: status(5000, 900) }, { at: 2000, status: status(12, 1) })).toEqual({ perSecond: null, reason: "Apache restarted since the last poll" });
      expect(requestRate(null, { at: 0, status: status(5, 1) })).toMatchObject({ perSecond: null, reason: "needs a second poll" });
      expect(requestRate({ at: 0, status: status(null, null) }, { at: 2000, status: status(null, null) }).perSecond).toBeNull();
    });
    it("never goes below zero when only the console asked", () => {
      expect(requestRate({ at: 0, status: status(10, 100) }, { at: 2000, status: status(11, 102) })).toEqual({ perSecond: 0, reason: null });
    });
  });

  const sample = fixture("apache-server-status", "apache_exporter-24-event.txt");
  it.each([
    ...garbage("curl"),
    ["curl error", "curl: (7) Failed to connect to 127.0.0.1 port 80 after 0 ms: Connection refused\n"],
    ["letters for numbers", sample.replace("BusyWorkers: 1", "BusyWorkers: one")],
    ["truncated before the scoreboard", sample.slice(0, sample.indexOf("BusyWorkers"))],
    ["unknown scoreboard state", sample.replace("Scoreboard: _W___", "Scoreboard: _W_Z_")],
    ["html status page", "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html><head>\n<title>Apache Status</title>\n</head><body>\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseApacheStatus(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
