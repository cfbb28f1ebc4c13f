import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import type { TestLab } from "../__tests__/test-lab";

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());

/** /t/real/ld.cf (0600 www-data, "a") and the symlink /t/ld.cf -> real/ld.cf, made as root on lb1 */
async function setup(): Promise<TestLab> {
  lab = testLab();
  const r = await lab.sh("lb1", "sudo -n sh -c 'mkdir -p /t/real && cd /t && printf \"a\\n\" > real/ld.cf && chmod 600 real/ld.cf && chown www-data:www-data real/ld.cf && ln -s real/ld.cf ld.cf && printf \"c\\n\" > tmp.cf'");
  expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
  return lab;
}
const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
const root = (l: TestLab, cmd: string) => l.sh("lb1", `sudo -n sh -c ${quote(`cd /t && ${cmd}`)}`);
const both = async (l: TestLab): Promise<string> => (await root(l, "stat -c '%a %U %G %F %N' ld.cf real/ld.cf; cat real/ld.cf")).stdout;

// Each case as coreutils 9.1 did it on Debian 12, as root with umask 022, on the same layout (nobody:nogroup there)
describe("the lab's file tools keep what coreutils keeps", () => {
  it("tee into the symlink writes through it: the link stays, the target keeps 0600 and its owner", async () => {
    const l = await setup();
    await root(l, "echo b | tee ld.cf >/dev/null");
    expect(await both(l)).toBe("777 root root symbolic link 'ld.cf' -> 'real/ld.cf'\n600 www-data www-data regular file 'real/ld.cf'\nb\n");
    await root(l, "echo x | tee new.cf >/dev/null");
    expect((await root(l, "stat -c '%a %U %F' new.cf")).stdout).toBe("644 root regular file\n");
  });

  it("mv over the symlink replaces the link with the moved file (0644, root); the old target is untouched", async () => {
    const l = await setup();
    await root(l, "mv tmp.cf ld.cf");
    expect(await both(l)).toBe("644 root root regular file 'ld.cf'\n600 www-data www-data regular file 'real/ld.cf'\na\n");
  });

  it("cp onto the symlink writes through it and keeps the target's mode and owner; --remove-destination replaces the link", async () => {
    const l = await setup();
    await root(l, "cp tmp.cf ld.cf");
    expect(await both(l)).toBe("777 root root symbolic link 'ld.cf' -> 'real/ld.cf'\n600 www-data www-data regular file 'real/ld.cf'\nc\n");
    await root(l, "cp --remove-destination tmp.cf ld.cf");
    expect((await root(l, "stat -c '%a %U %F' ld.cf")).stdout).toBe("644 root regular file\n");
  });

  it("install -m 0600 replaces the link with a new 0600 file owned by root", async () => {
    const l = await setup();
    await root(l, "install -m 0600 tmp.cf ld.cf");
    expect(await both(l)).toBe("600 root root regular file 'ld.cf'\n600 www-data www-data regular file 'real/ld.cf'\na\n");
    await root(l, "install tmp.cf plain.cf");
    expect((await root(l, "stat -c '%a %U' plain.cf")).stdout).toBe("755 root\n");
  });

  it("chmod and chown follow the link to its target; chown -h changes the link itself", async () => {
    const l = await setup();
    await root(l, "chmod 0644 ld.cf");
    expect((await root(l, "stat -c '%a %U' ld.cf real/ld.cf")).stdout).toBe("777 root\n644 www-data\n");
    await root(l, "chmod go-r,u+x real/ld.cf");
    expect((await root(l, "stat -c '%a' real/ld.cf")).stdout).toBe("700\n");
    await root(l, "chown root:root ld.cf");
    expect((await root(l, "stat -c '%U:%G' real/ld.cf")).stdout).toBe("root:root\n");
    await root(l, "chown -h www-data ld.cf");
    expect((await root(l, "stat -c '%U' ld.cf real/ld.cf")).stdout).toBe("www-data\nroot\n");
    expect(await l.sh("lb1", "chmod 0600 /t/tmp.cf")).toEqual({ stdout: "", stderr: "chmod: changing permissions of '/t/tmp.cf': Operation not permitted\n", code: 1 });
    expect(await l.sh("lb1", "chown clusterdeck /t/tmp.cf")).toEqual({ stdout: "", stderr: "chown: changing ownership of '/t/tmp.cf': Operation not permitted\n", code: 1 });
    expect((await root(l, "chown nosuchuser tmp.cf")).stderr).toBe("chown: invalid user: 'nosuchuser'\n");
  });

  it("--reference copies the target's mode and owner; a file moved onto `readlink -f` keeps the link and 0600", async () => {
    const l = await setup();
    await root(l, "chmod --reference=ld.cf tmp.cf && chown --reference=ld.cf tmp.cf");
    expect((await root(l, "stat -c '%a %U %G %F' tmp.cf")).stdout).toBe("600 www-data www-data regular file\n");
    await root(l, 'mv tmp.cf "$(readlink -f ld.cf)"');
    expect(await both(l)).toBe("777 root root symbolic link 'ld.cf' -> 'real/ld.cf'\n600 www-data www-data regular file 'real/ld.cf'\nc\n");
  });

  it("readlink prints the link's text, -f/-e/-m the path with the links followed, and fails as coreutils does", async () => {
    const l = await setup();
    expect((await root(l, "readlink ld.cf; readlink -f ld.cf")).stdout).toBe("real/ld.cf\n/t/real/ld.cf\n");
    expect(await root(l, "readlink real/ld.cf")).toEqual({ stdout: "", stderr: "", code: 1 });
    expect(await root(l, "readlink -f nonexist/x")).toEqual({ stdout: "", stderr: "", code: 1 });
    expect(await root(l, "readlink -f real/nonexist")).toEqual({ stdout: "/t/real/nonexist\n", stderr: "", code: 0 });
    expect(await root(l, "readlink -e real/nonexist")).toEqual({ stdout: "", stderr: "", code: 1 });
    await root(l, "ln -s /t/real/ld.cf abs.cf");
    expect((await root(l, "readlink abs.cf; readlink -f abs.cf; cat abs.cf")).stdout).toBe("/t/real/ld.cf\n/t/real/ld.cf\na\n");
  });

  it("stat describes a link itself unless -L, and fails on a missing file as 9.1 does", async () => {
    const l = await setup();
    expect((await root(l, "stat -c '%a %U %G %F' ld.cf; stat -L -c '%a %U %G %F' ld.cf")).stdout).toBe("777 root root symbolic link\n600 www-data www-data regular file\n");
    expect(await root(l, "stat -c %a nonexist")).toEqual({ stdout: "", stderr: "stat: cannot statx 'nonexist': No such file or directory\n", code: 1 });
  });

  it("a link cannot lead out of the VM: a climbing target stays inside it", async () => {
    const l = await setup();
    await root(l, "ln -s ../../../../../../etc/hostname up.cf");
    expect((await root(l, "cat up.cf; readlink up.cf")).stdout).toBe("lb1\n../../../../../../etc/hostname\n");
  });
});

describe("ldirectord.cf kept 0600 and behind a symlink", () => {
  it("an edit through tee to a new file, --reference and mv onto readlink -f keeps the link and the mode, and ldirectord applies it", async () => {
    lab = testLab();
    const l = lab;
    l.advance(1000);
    const setupCf = "mkdir -p /etc/ha.d/conf && mv /etc/ha.d/ldirectord.cf /etc/ha.d/conf/ldirectord.cf && chmod 600 /etc/ha.d/conf/ldirectord.cf && ln -s conf/ldirectord.cf /etc/ha.d/ldirectord.cf";
    expect((await l.sh("lb1", `sudo -n sh -c '${setupCf}'`)).code).toBe(0);
    l.advance(5000);
    const text = (await l.sh("lb1", "sudo -n cat /etc/ha.d/ldirectord.cf")).stdout.replace("real=192.168.10.11:80 gate 1", "real=192.168.10.11:80 gate 0");
    const edit = [
      `sudo -n tee /etc/ha.d/conf/ldirectord.cf.new >/dev/null <<'EOF'\n${text}EOF`,
      'T="$(sudo -n readlink -f /etc/ha.d/ldirectord.cf)"',
      'sudo -n chmod --reference="$T" /etc/ha.d/conf/ldirectord.cf.new',
      'sudo -n chown --reference="$T" /etc/ha.d/conf/ldirectord.cf.new',
      'sudo -n mv /etc/ha.d/conf/ldirectord.cf.new "$T"',
    ].join("\n");
    expect((await l.sh("lb1", edit)).code).toBe(0);
    expect((await l.sh("lb1", "sudo -n stat -c '%a %U %F %N' /etc/ha.d/ldirectord.cf /etc/ha.d/conf/ldirectord.cf")).stdout).toBe(
      "777 root symbolic link '/etc/ha.d/ldirectord.cf' -> 'conf/ldirectord.cf'\n600 root regular file '/etc/ha.d/conf/ldirectord.cf'\n",
    );
    expect((await l.sh("lb1", "cat /etc/ha.d/ldirectord.cf")).stderr).toBe("cat: /etc/ha.d/ldirectord.cf: Permission denied\n");
    l.advance(5000);
    expect(l.sim.balancers.nodes.lb1.table.services[0]?.dests.find((d) => d.address === "192.168.10.11")?.weight).toBe(0);
  });
});
