import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import type { TestLab } from "../__tests__/test-lab";

// Messages as coreutils 9.1, bash 5.2.15 (run as `bash -c` with sshd's bare environment) and
// sudo 1.9.13p3 print them on Debian 12 (checked with setpriv as nobody on the development machine).

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());

/** a lab whose web1 has /etc/secret.conf: root:www-data 0640 */
function start(): TestLab {
  lab = testLab();
  const real = lab.sim.world.resolvePath("web1", "/etc/secret.conf");
  fs.writeFileSync(real, "password=s3cret\n");
  lab.sim.world.access.setup(real, "root", "www-data", 0o640);
  return lab;
}

describe("users and permissions in the lab's shell", () => {
  it("runs commands as the SSH account, sudo -n as root, sudo -n -u as that account", async () => {
    const l = start();
    expect((await l.sh("web1", "whoami; id")).stdout).toBe("clusterdeck\nuid=1000(clusterdeck) gid=1000(clusterdeck) groups=1000(clusterdeck)\n");
    expect((await l.sh("web1", "sudo -n whoami")).stdout).toBe("root\n");
    expect((await l.sh("web1", "sudo -n -u www-data id")).stdout).toBe("uid=33(www-data) gid=33(www-data) groups=33(www-data)\n");
    expect((await l.sh("web1", "sudo -n -u www-data sh -c 'whoami; echo $HOME'")).stdout).toBe("www-data\n/var/www\n");
  });

  it.each([
    ["cat /etc/secret.conf", "cat: /etc/secret.conf: Permission denied\n"],
    ["head -n 1 /etc/secret.conf", "head: cannot open '/etc/secret.conf' for reading: Permission denied\n"],
    ["grep pass /etc/secret.conf", "grep: /etc/secret.conf: Permission denied\n"],
    ["wc -l /etc/secret.conf", "wc: /etc/secret.conf: Permission denied\n"],
    ["sort /etc/secret.conf", "sort: cannot read: /etc/secret.conf: Permission denied\n"],
    ["sha256sum /etc/secret.conf", "sha256sum: /etc/secret.conf: Permission denied\n"],
    ["cat < /etc/secret.conf", "bash: line 1: /etc/secret.conf: Permission denied\n"],
    ["echo x > /etc/secret.conf", "bash: line 1: /etc/secret.conf: Permission denied\n"],
    ["tee /etc/secret.conf < /dev/null", "tee: /etc/secret.conf: Permission denied\n"],
    ["sed -n p /etc/secret.conf", "sed: can't read /etc/secret.conf: Permission denied\n"],
    ["touch /etc/secret.conf", "touch: cannot touch '/etc/secret.conf': Permission denied\n"],
    ["rm -f /etc/secret.conf", "rm: cannot remove '/etc/secret.conf': Permission denied\n"],
    ["cp /etc/secret.conf /tmp/copy", "cp: cannot open '/etc/secret.conf' for reading: Permission denied\n"],
    ["ls /root", "ls: cannot open directory '/root': Permission denied\n"],
    ["cd /root", "bash: line 1: cd: /root: Permission denied\n"],
  ])("%s fails as coreutils and bash do for a user who may not", async (command, stderr) => {
    const l = start();
    const r = await l.sh("web1", command);
    expect(r.stderr).toBe(stderr);
    expect(r.code).not.toBe(0);
    expect(fs.readFileSync(l.sim.world.resolvePath("web1", "/etc/secret.conf"), "utf8")).toBe("password=s3cret\n");
  });

  it("lets the file's group and root read it, and root write it", async () => {
    const l = start();
    expect(await l.sh("web1", "sudo -n -u www-data cat /etc/secret.conf")).toEqual({ stdout: "password=s3cret\n", stderr: "", code: 0 });
    expect((await l.sh("web1", "sudo -n -u www-data tee -a /etc/secret.conf < /dev/null")).stderr).toBe("tee: /etc/secret.conf: Permission denied\n");
    expect((await l.sh("web1", "sudo -n sed -i 's/s3cret/changed/' /etc/secret.conf && sudo -n cat /etc/secret.conf")).stdout).toBe("password=changed\n");
    expect((await l.sh("web1", "stat -c '%U:%G %a' /etc/secret.conf")).stdout).toBe("root:www-data 640\n");
    expect((await l.sh("web1", "[ -r /etc/secret.conf ] || echo unreadable; sudo -n -u www-data sh -c '[ -r /etc/secret.conf ] && echo readable'")).stdout).toBe("unreadable\nreadable\n");
  });

  it("gives new files to whoever made them, with the mode umask 022 gives", async () => {
    const l = start();
    await l.sh("web1", "echo mine > /tmp/a; sudo -n -u www-data tee /tmp/b >/dev/null <<< theirs; mkdir -p /home/clusterdeck/d/e");
    const ls = (await l.sh("web1", "ls -l /tmp")).stdout;
    expect(ls).toMatch(/^-rw-r--r-- 1 clusterdeck clusterdeck +5 .* a$/m);
    expect(ls).toMatch(/^-rw-r--r-- 1 www-data www-data +7 .* b$/m);
    expect((await l.sh("web1", "stat -c '%U %a' /home/clusterdeck/d/e")).stdout).toBe("clusterdeck 755\n");
    // /tmp is sticky: nobody removes another's file, though the directory is writable for all
    expect(await l.sh("web1", "rm /tmp/b")).toEqual({ stdout: "", stderr: "rm: cannot remove '/tmp/b': Operation not permitted\n", code: 1 });
    expect((await l.sh("web1", "mv /tmp/b /tmp/c")).stderr).toBe("mv: cannot move '/tmp/b' to '/tmp/c': Operation not permitted\n");
    expect((await l.sh("web1", "rm /tmp/a && sudo -n rm /tmp/b && ls /tmp")).stdout).toBe("");
  });

  it("refuses an account the VM does not have, as sudo does", async () => {
    const l = start();
    expect(await l.sh("web1", "sudo -n -u nosuchuser true")).toEqual({
      stdout: "",
      stderr: "sudo: unknown user nosuchuser\nsudo: error initializing audit plugin sudoers_audit\n",
      code: 1,
    });
  });
});
