import { afterAll, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";

const lab = testLab();
afterAll(() => lab.cleanup());
const sh = (script: string, stdin = ""): ReturnType<typeof lab.sh> => lab.sh("web1", script, stdin);

// The code fingerprint's change check: `find DIR -type d -newerct @T -print -quit`, as GNU find answers it.
describe("find -newerct @EPOCH -quit", () => {
  it("names the first folder changed after the time, and nothing for a time still to come", async () => {
    await sh("mkdir -p /tmp/fp/a/b /tmp/fp/c");
    const before = Math.floor(Date.now() / 1000) - 5;
    const after = Math.floor(Date.now() / 1000) + 60;
    const changed = await sh(`cd /tmp/fp && find . -type d -newerct @${before} -print -quit`);
    expect(changed).toMatchObject({ stderr: "", code: 0 });
    expect(changed.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(await sh(`cd /tmp/fp && find . -type d -newerct @${after} -print -quit`)).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(await sh("find /tmp/fp -newerct not-a-date")).toMatchObject({ stdout: "", code: 1 });
  });
});
