import { describe, expect, it } from "vitest";
import { verdictOf } from "@/lib/cluster/verdict";
import { workflowCommands } from "@/lib/commands/workflow";
import { gracefulStep, judgeSmoke, smokeUrl } from "@/lib/workflows/steps/code";
import { ownMessageWarning } from "@/lib/workflows/steps/maintenance";
import { labClusterSpec } from "@/test/support/cluster-spec";
import { healthyCluster } from "@/test/support/cluster-state";

const URL = "https://moodle.example.org/login/index.php";

describe("the smoke test on a node", () => {
  it("asks the node itself for the site's own name, following nothing", () => {
    expect(workflowCommands.smokeTest.build(labClusterSpec(), { url: URL })).toBe(
      "curl -sS -o /dev/null -w '%{http_code} %{redirect_url}\\n' --max-time 10 --resolve moodle.example.org:443:127.0.0.1 https://moodle.example.org/login/index.php",
    );
    expect(workflowCommands.smokeTest.build(labClusterSpec(), { url: "http://10.0.0.5:8080/moodle/login/index.php" })).toContain("--resolve 10.0.0.5:8080:127.0.0.1 ");
    expect(() => workflowCommands.smokeTest.build(labClusterSpec(), { url: "http://x/'; rm -rf /" })).toThrow();
  });

  it("takes the address from the node's config.php, else the inventory's siteUrl", () => {
    expect(smokeUrl("https://moodle.example.org/", "http://vip.example.org")).toBe(URL);
    expect(smokeUrl(null, "http://vip.example.org")).toBe("http://vip.example.org/login/index.php");
    expect(smokeUrl(null, undefined)).toBeNull();
  });

  // what curl -w '%{http_code} %{redirect_url}\n' printed against Moodle's stand-in on Apache 2.4.71 (web.conf.test.ts)
  it.each([
    ["200 \n", 0, true, "HTTP 200"],
    ["303 http://moodle.example.test/login/index.php\n", 0, false, "answered 303 to http://moodle.example.test/login/index.php: Moodle redirects requests that are not for its $CFG->wwwroot"],
    ["503 \n", 0, false, "Moodle is in maintenance mode"],
    ["000 \n", 7, false, "nothing answered"],
    ["", 6, false, "curl exit 6"],
    ["500 \n", 0, false, "HTTP 500"],
  ])("judges %j as Moodle gives it", (stdout, code, ok, words) => {
    const verdict = judgeSmoke(stdout, code, URL, "web1");
    expect(verdict.ok).toBe(ok);
    expect(verdict.ok ? verdict.summary : verdict.reason).toContain(words);
  });
});

describe("the reload after a code change", () => {
  it("plans php-fpm's reload beside Apache's graceful one, for nodes whose Apache hands PHP to php-fpm", () => {
    const step = gracefulStep(labClusterSpec(), "web1");
    expect(step.planned.map((p) => p.line)).toEqual(["sudo -n apachectl graceful", "sudo -n service php8.2-fpm reload"]);
    expect(step.runtimeNote).toContain("only when web1's Apache hands PHP to php-fpm");
  });
});

describe("a maintenance message Moodle already has", () => {
  it("is said before the start: it replaces the page the workflow writes", () => {
    const state = healthyCluster();
    const view = { state, findings: [], verdict: verdictOf(state, labClusterSpec()) };
    expect(ownMessageWarning(view, "Back at 18:00")).toEqual([]);
    if (view.state.moodle) view.state.moodle.settings.maintenanceMessage = true;
    expect(ownMessageWarning(view, "Back at 18:00")[0]).toContain("in Site administration > Server > Maintenance mode");
    expect(ownMessageWarning(view, "")).toEqual([]);
    const web1 = view.state.web[0];
    if (web1) web1.maintenanceMessageInConfig = true;
    expect(ownMessageWarning(view, "x")[0]).toContain("in config.php on web1");
  });
});
