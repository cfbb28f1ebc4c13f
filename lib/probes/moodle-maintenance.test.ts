import { describe, expect, it } from "vitest";
import { moodleMaintenanceProbe, parseMaintenance } from "@/lib/probes/moodle-maintenance";
import { garbage, valueOf } from "@/lib/probes/test-support";

describe("moodle-maintenance", () => {
  it("reads on and off", () => {
    expect(valueOf(parseMaintenance("on\n"))).toEqual({ enabled: true });
    expect(valueOf(parseMaintenance("off\n"))).toEqual({ enabled: false });
  });

  it("fails rather than reading off when the dataroot cannot be entered", () => {
    expect(moodleMaintenanceProbe.command({ dataroot: "/var/moodledata" })).toBe(
      "cd /var/moodledata && ([ -e climaintenance.html ] && echo on || echo off)",
    );
  });

  it.each([...garbage("sh"), ["yes", "yes\n"], ["two lines", "on\noff\n"]])("refuses %s", (_n, text) => {
    expect(parseMaintenance(text).ok).toBe(false);
  });
});
