import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MASK, maskSecrets } from "@/lib/secrets/mask";

const fixtures = path.join(process.cwd(), "lib", "probes", "__fixtures__");
const fixture = (...parts: string[]) => fs.readFileSync(path.join(fixtures, ...parts), "utf8");

/** every fixture file (the real outputs the parsers are held to), relative to __fixtures__ */
function allFixtures(dir = fixtures): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return allFixtures(full);
    return e.name === "SOURCES.md" ? [] : [path.relative(fixtures, full)];
  });
}

describe("maskSecrets on real files", () => {
  it("hides ldirectord's passwd= and secret=, live and commented out, and nothing else of the file", () => {
    const sample = fixture("ldirectord", "ldirectord.cf-upstream-sample.txt");
    const masked = maskSecrets(sample);
    for (const secret of ["ldirectord@localhost", "genericpassword", "somesecret", '#passwd="test"']) {
      expect(sample).toContain(secret);
      expect(masked).not.toContain(secret);
    }
    expect(masked).toContain(`#\tpasswd="${MASK}"`);
    expect(masked).toContain(`#\tsecret="${MASK}"`);
    expect(masked).toContain('#\tlogin="readuser"');
    // every line without a secret is as it was
    const keep = (t: string) => t.split("\n").filter((l) => !/passwd|secret/.test(l));
    expect(keep(masked)).toEqual(keep(sample));

    const db = maskSecrets(fixture("ldirectord", "cases", "passwd.cf"));
    expect(db).toContain(`\tpasswd="${MASK}"\n`);
    expect(db).not.toContain("s3cret");
    expect(db).toContain('\tlogin="monitor"');
    expect(db).toContain("\treal=192.168.10.18:3306 gate 1");
    // a # inside the quotes is part of the password
    expect(maskSecrets(fixture("ldirectord", "ldirectord.cf-4.12-case-Z-hash-in-quoted.txt"))).toContain(`\tpasswd="${MASK}"`);
    // and in ldirectord's own error that quotes the line
    expect(maskSecrets(fixture("ldirectord", "ldirectord-4.12-status-CAPTURED-case-Z-hash-in-quoted-stderr.txt"))).not.toContain("s3cr#t");
  });

  it("hides keepalived's auth_pass in the config and the Password its data dump prints", () => {
    const conf = maskSecrets(fixture("keepalived", "keepalived.conf-debian-2.2.7-sample.txt"));
    expect(conf).toContain(`        auth_pass ${MASK}\n`);
    expect(conf).not.toContain("1111");
    expect(conf).toContain("        auth_type PASS\n");
    const conformance = maskSecrets(fixture("keepalived", "keepalived.conf-conformance-lb1-track-script.txt"));
    expect(conformance).not.toContain("lbexp");
    const data = maskSecrets(fixture("keepalived", "keepalived.data-2.2.7-CAPTURED-master.txt"));
    expect(data).toContain(`   Password = ${MASK}\n`);
    expect(data).not.toContain("clusterd\n");
    expect(data).toContain("   Authentication type = SIMPLE_PASSWORD\n");
  });

  it("hides heartbeat's authkeys, the sample's commented keys included", () => {
    // heartbeat 3.0.6's sample (Debian 12's /usr/share/doc/heartbeat/authkeys), its key lines as shipped
    const shipped = "/usr/share/doc/heartbeat/authkeys";
    const text = fs.existsSync(shipped) ? fs.readFileSync(shipped, "utf8") : "#auth 1\n#1 crc\n#2 sha1 HI!\n#3 md5 Hello!\n";
    const masked = maskSecrets(text);
    expect(masked).toContain(`#2 sha1 ${MASK}`);
    expect(masked).toContain(`#3 md5 ${MASK}`);
    expect(masked).toContain("#1 crc");
    expect(maskSecrets("auth 1\n1 sha1 clusterdeck-lab\n")).toBe(`auth 1\n1 sha1 ${MASK}\n`);
    expect(maskSecrets("auth 2\r\n2\tmd5\tS3cr3t key\r\n")).toBe(`auth 2\r\n2\tmd5\t${MASK}\r\n`);
  });

  it("leaves every other real output the parsers are held to as it was", () => {
    const withSecrets = new Set([
      "ldirectord/ldirectord.cf-upstream-sample.txt",
      "ldirectord/cases/passwd.cf",
      "ldirectord/ldirectord.cf-4.12-case-Z-hash-in-quoted.txt",
      "ldirectord/ldirectord-4.12-status-CAPTURED-case-Z-hash-in-quoted-stderr.txt",
      "ldirectord/ldirectord-4.12-status-verdicts.tsv",
      "keepalived/keepalived.conf-debian-2.2.7-sample.txt",
      "keepalived/keepalived.conf-conformance-lb1-track-script.txt",
    ]);
    const files = allFixtures();
    expect(files.length).toBeGreaterThan(100);
    const changed = files.filter((f) => {
      if (withSecrets.has(f) || f.startsWith("keepalived/keepalived.data-")) return false;
      const text = fixture(f);
      return maskSecrets(text) !== text;
    });
    // Moodle's config.php: $CFG->dbpass is the one setting masked there
    expect(changed.filter((f) => !f.startsWith("moodle/config-php"))).toEqual([]);
    for (const f of changed) expect(fixture(f)).toMatch(/dbpass/);
  });
});

describe("maskSecrets on command lines and outputs", () => {
  it.each([
    ["my.cnf password", "[client]\nuser = clusterdeck\npassword = s3cr3t pass\n", `[client]\nuser = clusterdeck\npassword = ${MASK}\n`],
    ["my.cnf password=", "password=s3cr3t\n", `password=${MASK}\n`],
    ["mysql --password=", "mysql --password=s3cr3t -e 'SELECT 1'", `mysql --password=${MASK} -e 'SELECT 1'`],
    ["IDENTIFIED BY", "CREATE USER 'repl'@'%' IDENTIFIED BY 'r3pl';", `CREATE USER 'repl'@'%' IDENTIFIED BY '${MASK}';`],
    ["IDENTIFIED WITH plugin BY", "ALTER USER u IDENTIFIED WITH mysql_native_password BY \"x y\"", `ALTER USER u IDENTIFIED WITH mysql_native_password BY "${MASK}"`],
    ["IDENTIFIED BY PASSWORD", "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'", `GRANT USAGE ON *.* TO \`u\`@\`%\` IDENTIFIED BY PASSWORD '${MASK}'`],
    ["IDENTIFIED VIA USING PASSWORD()", "CREATE USER u IDENTIFIED VIA mysql_native_password USING PASSWORD('pw')", `CREATE USER u IDENTIFIED VIA mysql_native_password USING PASSWORD('${MASK}')`],
    ["MASTER_PASSWORD", "CHANGE MASTER TO MASTER_HOST='db1', MASTER_USER='repl', MASTER_PASSWORD='r3pl', MASTER_USE_GTID=slave_pos", `CHANGE MASTER TO MASTER_HOST='db1', MASTER_USER='repl', MASTER_PASSWORD='${MASK}', MASTER_USE_GTID=slave_pos`],
    ["SET PASSWORD", "SET PASSWORD FOR 'u'@'%' = PASSWORD('pw')", `SET PASSWORD FOR 'u'@'%' = PASSWORD('${MASK}')`],
    ["Authorization: Bearer", "Authorization: Bearer eyJhbGciOi.abc.def\nAccept: */*", `Authorization: Bearer ${MASK}\nAccept: */*`],
    ["curl -H Authorization", "curl -H 'Authorization: Basic dXNlcjpwYXNz' https://x", `curl -H 'Authorization: Basic ${MASK}' https://x`],
    ["a bare bearer token", "sent as bearer abc123 to", `sent as bearer ${MASK} to`],
    ["URL user:pass@", "fetch https://user:p%40ss@hooks.example.org/x and http://u:v@10.0.0.1:80/", `fetch https://user:${MASK}@hooks.example.org/x and http://u:${MASK}@10.0.0.1:80/`],
    ["query-string token", "GET /control?token=abc123&x=1", `GET /control?token=${MASK}&x=1`],
    ["JSON", '{"user":"a","password":"p w","api_key": "k"}', `{"user":"a","password":"${MASK}","api_key": "${MASK}"}`],
    ["PHP", "$CFG->dbpass    = 'moodle pw';", `$CFG->dbpass    = '${MASK}';`],
    ["env", "env CLUSTERDECK_ADMIN_PASSWORD=hunter22 next start", `env CLUSTERDECK_ADMIN_PASSWORD=${MASK} next start`],
    ["a config line's whole value", "CLUSTERDECK_ADMIN_PASSWORD=hunter22 with spaces", `CLUSTERDECK_ADMIN_PASSWORD=${MASK}`],
    ["tab-separated variable", "report_password\tsecretvalue\nold_passwords\tOFF", `report_password\t${MASK}\nold_passwords\tOFF`],
  ])("%s", (_name, input, expected) => {
    expect(maskSecrets(input)).toBe(expected);
  });

  it.each([
    ["ssh's refusal", "Permission denied (publickey,password)."],
    ["MySQL's note on a password", "Access denied for user 'repl'@'127.0.0.1' (using password: YES)"],
    ["sshd option", "PasswordAuthentication no"],
    ["a URL without credentials", "https://hooks.example.org/services/T0/B0/xyz"],
    ["an email in a URL", "mailto:admin@example.org"],
    ["ipvsadm", "TCP  192.168.10.100:80 wlc persistent 300\n  -> 192.168.10.11:80  Route  1  3  10"],
    ["a word containing a key", "passwords secretary tokens"],
    ["an empty value", "password=\nsecret: \n"],
    ["the mask itself", `passwd="${MASK}"`],
  ])("leaves %s alone", (_name, input) => {
    expect(maskSecrets(input)).toBe(input);
  });

  it("is idempotent", () => {
    const once = maskSecrets("password=a\nauth_pass b\n1 sha1 c\nhttps://u:p@h/");
    expect(maskSecrets(once)).toBe(once);
  });
});

describe("maskSecrets on hostile input", () => {
  const MiB = 1024 * 1024;
  const cases: [string, string][] = [
    ["spaces", " ".repeat(MiB)],
    ["one long word", "a".repeat(MiB)],
    ["password= repeated", "password=".repeat(MiB / 9)],
    ["password and blanks", `password${" ".repeat(MiB)}x`],
    ["keys without separators", "password ".repeat(MiB / 9)],
    ["open quotes", `password="${"'".repeat(MiB)}`],
    ["quotes", "'\"".repeat(MiB / 2)],
    ["scheme separators", "a://".repeat(MiB / 4)],
    ["authority of colons and ats", `http://${":@".repeat(MiB / 2)}`],
    ["identified by", "IDENTIFIED BY ".repeat(MiB / 14)],
    ["identified with by", "identified with x by ".repeat(MiB / 21)],
    ["authkeys lines", "1 sha1 k\n".repeat(MiB / 9)],
    ["digits and blanks at line start", `1${" ".repeat(MiB)}`],
    ["digit lines", "1 \n".repeat(MiB / 3)],
    ["bearer", "bearer ".repeat(MiB / 7)],
    ["authorization", "Authorization: ".repeat(MiB / 15)],
    ["newlines", "\n".repeat(MiB)],
    ["comment marks", `#${"\t#".repeat(MiB / 2)}`],
  ];
  it.each(cases)("%s: 1 MiB in under a second", (_name, input) => {
    const started = performance.now();
    maskSecrets(input);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
