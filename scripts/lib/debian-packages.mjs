// The Debian 12 packages `npm start` and `npm test` need, and how they get them: installed when missing and
// running as root (saying what and why), otherwise a stop with the one `apt-get install` line to run.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

/** a package, a file it installs (its presence is what counts: a tool may come from elsewhere), and who needs it */
const pkg = (name, file, why) => ({ name, file, why });

/** the lab (`npm start` without an inventory): its web nodes copy Moodle's code with the real rsync */
export const LAB_PACKAGES = [pkg("rsync", "/usr/bin/rsync", "the lab copies code between its web nodes with it")];

/** integration tests: a real OpenSSH sshd on loopback, and the lab */
export const INTEGRATION_PACKAGES = [
  ...LAB_PACKAGES,
  pkg("openssh-server", "/usr/sbin/sshd", "the interop test and the conformance hosts run real sshd"),
  pkg("openssh-client", "/usr/bin/ssh-keygen", "keys for the test sshd"),
];

/** e2e tests: Playwright drives Debian's Chromium against the lab */
export const E2E_PACKAGES = [...LAB_PACKAGES, pkg("chromium", "/usr/bin/chromium", "Playwright's browser")];

/** the conformance suite (test/conformance): the console's commands against Debian's own daemons */
export const CONFORMANCE_PACKAGES = [
  ...INTEGRATION_PACKAGES,
  pkg("sudo", "/usr/sbin/visudo", "the generated sudoers lines are installed into the real sudo"),
  pkg("iproute2", "/usr/sbin/ip", "each conformance host is a network namespace"),
  pkg("iputils-ping", "/usr/bin/ping", "the hosts reach each other"),
  pkg("iputils-arping", "/usr/bin/arping", "the database drill announces a floating address"),
  pkg("curl", "/usr/bin/curl", "the web probes and the smoke test"),
  pkg("mariadb-server", "/usr/sbin/mariadbd", "a MariaDB 10.11 source and replica"),
  pkg("mariadb-client", "/usr/bin/mariadb", "the console's mysql and mysqldump commands"),
  pkg("percona-toolkit", "/usr/bin/pt-heartbeat", "replication lag as pt-heartbeat writes it"),
  pkg("apache2", "/usr/sbin/apache2", "Apache with mod_status"),
  pkg("libapache2-mod-php8.2", "/usr/lib/apache2/modules/libphp8.2.so", "Apache prefork with mod_php"),
  pkg("php8.2-fpm", "/usr/sbin/php-fpm8.2", "Apache event with php-fpm"),
  pkg("php8.2-cli", "/usr/bin/php8.2", "Moodle's CLI scripts and php -l"),
  pkg("php8.2-mysql", "/usr/lib/php/20220829/mysqli.so", "the Moodle stand-in talks to MariaDB"),
  pkg("heartbeat", "/usr/libexec/heartbeat/heartbeat", "heartbeat 3.0.6 moving a VIP between two hosts"),
  pkg("keepalived", "/usr/sbin/keepalived", "keepalived 2.2.7 (VRRP)"),
  pkg("ldirectord", "/usr/sbin/ldirectord", "ldirectord's own reading of ldirectord.cf"),
  pkg("ipvsadm", "/usr/sbin/ipvsadm", "the balancer probes run the real binary (the kernel here has no IPVS)"),
];

export function unique(...lists) {
  const seen = new Map();
  for (const p of lists.flat()) if (!seen.has(p.name)) seen.set(p.name, p);
  return [...seen.values()];
}

export function missingPackages(packages) {
  return packages.filter((p) => !fs.existsSync(p.file));
}

export function installLine(packages) {
  return `apt-get install -y --no-install-recommends ${packages.map((p) => p.name).join(" ")}`;
}

const POLICY = "/usr/sbin/policy-rc.d";

/**
 * Install as root, quietly and harmlessly: no service may start (there is often no systemd, and a started
 * mariadb or apache2 would hold ports 3306 and 80): a policy-rc.d that forbids every start is put in place for
 * the install when the machine has none (invoke-rc.d and deb-systemd-invoke both ask it), and removed after.
 */
function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const ownPolicy = !fs.existsSync(POLICY);
  if (ownPolicy) fs.writeFileSync(POLICY, "#!/bin/sh\n# written by ClusterDeck for a package install; removed after it\nexit 101\n", { mode: 0o755 });
  try {
    const update = spawnSync("apt-get", ["update", "-qq"], { env, stdio: "inherit" });
    if (update.status !== 0) return false;
    const args = ["install", "-y", "-qq", "--no-install-recommends", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"];
    const install = spawnSync("apt-get", [...args, ...packages.map((p) => p.name)], { env, stdio: ["ignore", "ignore", "inherit"] });
    return install.status === 0;
  } finally {
    if (ownPolicy) fs.rmSync(POLICY, { force: true });
  }
}

/**
 * Make sure `packages` are installed, for `purpose` ("the lab", "the tests"): install what is missing when
 * running as root on Debian, else print the one line to run and return false.
 */
export function ensurePackages(packages, purpose) {
  const missing = missingPackages(unique(packages));
  if (missing.length === 0) return true;
  const line = installLine(missing);
  const list = missing.map((p) => `  ${p.name}: ${p.why}`).join("\n");
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = fs.existsSync("/usr/bin/apt-get");
  if (!root || !apt) {
    console.error(`clusterdeck: ${purpose} need${purpose.endsWith("s") ? "" : "s"} Debian packages that are missing:\n${list}\nInstall them as root, then run this again:\n\n  ${root ? "" : "sudo "}${line}\n`);
    return false;
  }
  console.log(`clusterdeck: installing the Debian packages ${purpose} need${purpose.endsWith("s") ? "" : "s"} (no service is started):\n${list}`);
  const started = Date.now();
  if (!aptInstall(missing)) {
    console.error(`clusterdeck: installing them failed; run as root:\n\n  ${line}\n`);
    return false;
  }
  const still = missingPackages(missing);
  if (still.length > 0) {
    console.error(`clusterdeck: still missing after the install: ${still.map((p) => p.file).join(", ")}; run as root:\n\n  ${installLine(still)}\n`);
    return false;
  }
  console.log(`clusterdeck: installed ${missing.length} package${missing.length === 1 ? "" : "s"} in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}
