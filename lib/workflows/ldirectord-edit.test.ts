import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseLdirectordConfig } from "@/lib/probes/ldirectord-cf";
import { setRealWeight } from "@/lib/workflows/ldirectord-edit";

const FIXTURES = path.join(__dirname, "../probes/__fixtures__/ldirectord");

function fixtures(): { name: string; text: string }[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => !f.endsWith(".md"))
    .map((name) => ({ name, text: fs.readFileSync(path.join(FIXTURES, name), "utf8") }));
}

const LAB = `# Global Directives
checktimeout=3
autoreload=yes
quiescent=yes

virtual=203.0.113.10:80
\treal=192.168.10.11:80 gate 1
\treal=192.168.10.21:80 gate 3
\tservice=http
\tpersistent=300
\trequest="login/index.php"
\treceive="Moodle"

virtual=203.0.113.10:443
\treal=192.168.10.11:443 gate 1
`;

describe("setRealWeight", () => {
  it("changes only the named real server under the named virtual service", () => {
    const r = setRealWeight(LAB, "203.0.113.10:80", { address: "192.168.10.21", port: 80 }, 0);
    expect(r).toMatchObject({ ok: true, previous: 3 });
    if (!r.ok) return;
    const before = LAB.split("\n");
    const after = r.text.split("\n");
    expect(after).toHaveLength(before.length);
    const changed = after.flatMap((l, i) => (l === before[i] ? [] : [l]));
    expect(changed).toEqual(["\treal=192.168.10.21:80 gate 0"]);
  });

  it("round-trips: setting the previous weight back gives the original text", () => {
    const zero = setRealWeight(LAB, "203.0.113.10:80", { address: "192.168.10.11", port: 80 }, 0);
    if (!zero.ok) throw new Error(zero.problem);
    const back = setRealWeight(zero.text, "203.0.113.10:80", { address: "192.168.10.11", port: 80 }, zero.previous);
    expect(back).toMatchObject({ ok: true, text: LAB, previous: 0 });
  });

  it("adds the method when the line has none (ldirectord defaults to gate, weight 1)", () => {
    const r = setRealWeight("virtual=10.0.0.1:80\n  real=10.0.0.2:80\n", "10.0.0.1:80", { address: "10.0.0.2", port: 80 }, 0);
    expect(r).toEqual({ ok: true, text: "virtual=10.0.0.1:80\n  real=10.0.0.2:80 gate 0\n", previous: 1 });
  });

  it("says what is wrong instead of guessing", () => {
    expect(setRealWeight(LAB, "203.0.113.10:80", { address: "192.168.10.99", port: 80 }, 0)).toEqual({
      ok: false,
      problem: "no real=192.168.10.99:80 under virtual=203.0.113.10:80",
    });
    expect(setRealWeight(LAB, "203.0.113.99:80", { address: "192.168.10.11", port: 80 }, 0).ok).toBe(false);
    const dup = "virtual=1.1.1.1:80\n real=2.2.2.2:80 gate 1\n real=2.2.2.2:80 gate 2\n";
    expect(setRealWeight(dup, "1.1.1.1:80", { address: "2.2.2.2", port: 80 }, 0)).toMatchObject({ ok: false });
  });

  it("on every real ldirectord.cf fixture, the parser reads the new weight and nothing else moves", () => {
    const files = fixtures();
    expect(files.length).toBeGreaterThan(0);
    for (const { name, text } of files) {
      const parsed = parseLdirectordConfig(text);
      if (!parsed.ok) continue;
      const virtual = parsed.value.virtuals.find((v) => v.address !== null && v.port !== null && v.reals.some((r) => r.port !== null && !r.address.includes("->")));
      const real = virtual?.reals.find((r) => r.port !== null && !r.address.includes("->"));
      if (!virtual || !real || real.port === null) continue;
      const r = setRealWeight(text, virtual.virtual, { address: real.address, port: real.port }, 7);
      expect(r.ok, name).toBe(true);
      if (!r.ok) continue;
      const again = parseLdirectordConfig(r.text);
      expect(again.ok, name).toBe(true);
      if (!again.ok) continue;
      const v2 = again.value.virtuals.find((v) => v.virtual === virtual.virtual);
      expect(v2?.reals.find((x) => x.address === real.address && x.port === real.port)?.weight, name).toBe(7);
      expect(v2?.reals.filter((x) => !(x.address === real.address && x.port === real.port)), name).toEqual(
        virtual.reals.filter((x) => !(x.address === real.address && x.port === real.port)),
      );
    }
  });
});
