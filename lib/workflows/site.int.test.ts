import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchSite } from "@/lib/workflows/site";

// A real HTTP server on loopback that never stops sending: the console reads a bounded body and
// lets go, instead of buffering whatever the other end sends until the timeout.
let server: http.Server;
let base: string;
let sent = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      if (!res.destroyed) res.once("drain", pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("site fetch", () => {
  it("keeps 16 KiB of an endless body and answers long before its timeout", async () => {
    const answer = await fetchSite(base, "/login/index.php", 30_000);
    expect(answer.error).toBeNull();
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(16 * 1024);
    expect(answer.durationMs).toBeLessThan(30_000);
    // the server was stopped by the cancel, not drained: far less than it could send in 30 s
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});
