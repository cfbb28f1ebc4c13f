import { describe, expect, it } from "vitest";
import { probePlan } from "@/lib/cluster/plan";
import type { MoodleConfig } from "@/lib/probes/moodle-config";
import { labClusterSpec } from "@/test/support/cluster-spec";

const config = (over: Partial<MoodleConfig>): MoodleConfig => ({
  dbtype: "mysqli",
  dbhost: "192.168.10.18",
  dbname: "moodle",
  prefix: "mdl_",
  wwwroot: null,
  dataroot: "/var/moodledata",
  sessionHandlerClass: null,
  sessionFileSavePath: null,
  sessionRedisHost: null,
  sessionRedisPort: null,
  sessionMemcachedSavePath: null,
  dbsessions: null,
  maintenanceMessage: null,
  computed: [],
  ...over,
});

function webPlan(previous: MoodleConfig | undefined) {
  const cluster = labClusterSpec();
  const web1 = cluster.hosts.find((h) => h.name === "web1");
  if (!web1) throw new Error("no web1");
  return probePlan(cluster, web1, (probe) => (probe === "moodle-config" ? previous : undefined));
}

describe("a web node's probe plan", () => {
  it("counts session files only once config.php says where they are", () => {
    expect(webPlan(undefined).map((p) => p.name)).not.toContain("session-files");
    expect(webPlan(config({})).find((p) => p.name === "session-files")?.command).toContain("cd /var/moodledata/sessions &&");
    const saved = webPlan(config({ sessionHandlerClass: "\\core\\session\\file", sessionFileSavePath: "/var/lib/moodle/sessions" }));
    expect(saved.find((p) => p.name === "session-files")?.command).toContain("cd /var/lib/moodle/sessions &&");
  });

  it("does not guess when the handler is another one, or only PHP can say which", () => {
    expect(webPlan(config({ sessionHandlerClass: "\\core\\session\\database" })).map((p) => p.name)).not.toContain("session-files");
    expect(webPlan(config({ sessionHandlerClass: "\\core\\session\\redis" })).map((p) => p.name)).not.toContain("session-files");
    expect(webPlan(config({ dbsessions: true })).map((p) => p.name)).not.toContain("session-files");
    expect(webPlan(config({ computed: ["sessionHandlerClass"] })).map((p) => p.name)).not.toContain("session-files");
  });

  it("asks Apache's PHP handler, and reads config.php as www-data", () => {
    const plan = webPlan(config({}));
    expect(plan.find((p) => p.name === "php-handler")?.command).toBe("ls -1 /etc/apache2/mods-enabled /etc/apache2/conf-enabled /run/php");
    expect(plan.find((p) => p.name === "moodle-config")?.command).toMatch(/^sudo -n -u www-data grep -oE '.*' \/var\/www\/moodle\/config\.php$/);
  });

  it("runs probes that touch the NFS dataroot under a timeout, and the rest bare", () => {
    const plan = webPlan(config({}));
    const guarded = plan.filter((p) => p.timeoutSeconds !== null).map((p) => p.name);
    expect(guarded).toEqual(["moodle-maintenance", "dataroot-mount", "session-files"]);
  });
});
