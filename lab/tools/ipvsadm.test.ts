import { afterAll, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";

const lab = testLab();
afterAll(() => lab.cleanup());
const run = (cmd: string): ReturnType<typeof lab.sh> => lab.sh("lb1", cmd);

describe("ipvsadm command line", () => {
  it.each(["ipvsadm -Ln", "ipvsadm -L -n", "ipvsadm --list --numeric", "ipvsadm -ln", "ipvsadm", "sudo -n /sbin/ipvsadm -Ln", "ipvsadm -Ln --exact"])("%s lists the table", async (cmd) => {
    const r = await run(cmd);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^IP Virtual Server version 1\.2\.1 \(size=4096\)\nProt LocalAddress:Port Scheduler Flags\n/);
    expect(r.stdout).toContain("TCP  203.0.113.10:80 wlc persistent 300\n");
  });

  it.each(["ipvsadm -Lnc", "ipvsadm -L -n -c", "ipvsadm -Ln --connection"])("%s lists connections", async (cmd) => {
    expect((await run(cmd)).stdout).toMatch(/^IPVS connection entries\npro expire state {7}source {13}virtual {12}destination\n/);
  });

  it("--stats and --rate headers", async () => {
    expect((await run("ipvsadm -Ln --stats")).stdout.split("\n")[1]).toBe("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes");
    expect((await run("ipvsadm -L -n --rate")).stdout.split("\n")[1]).toBe("Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS");
  });

  it("edits, saves and restores like the real tool", async () => {
    expect((await run("ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.21:80 -g -w 0")).code).toBe(0);
    expect((await run("ipvsadm -S -n")).stdout).toBe(
      "-A -t 203.0.113.10:80 -s wlc -p 300\n-a -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 1\n-a -t 203.0.113.10:80 -r 192.168.10.21:80 -g -w 0\n",
    );
    expect((await run("ipvsadm --edit-server --tcp-service 203.0.113.10:80 --real-server 192.168.10.21:80 --weight 1")).code).toBe(0);
    expect((await run("ipvsadm -A -t 198.51.100.1:443 -s rr -p")).code).toBe(0);
    expect((await run("ipvsadm -Ln")).stdout).toContain("TCP  198.51.100.1:443 rr persistent 300\n");
    expect((await run("ipvsadm -A -t 198.51.100.1:443 -s rr")).stderr).toBe("Service already exists\n");
    expect((await run("ipvsadm -D -t 198.51.100.1:443")).code).toBe(0);
    expect((await run("ipvsadm -d -t 198.51.100.1:443 -r 192.168.10.11:80")).stderr).toBe("Memory allocation problem\n");
    expect((await run("ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -w x")).code).toBe(2);
  });

  it("is not installed on other roles", async () => {
    expect((await lab.sh("db2", "ipvsadm -Ln")).code).toBe(127);
  });
});
