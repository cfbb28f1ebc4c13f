import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { fail, ok } from "../shared/exec";
import { readOrNull } from "../shared/files";
import { optionEntries } from "./client-options";

/**
 * `my_print_defaults --defaults-file=F group...` (MariaDB 10.11.19): each option of the groups as
 * `--name=value`, in file order; --defaults-file only as the first argument (exit 7 otherwise).
 */
export function myPrintDefaultsTool(): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): ExecResult {
      const args = ctx.argv.slice(1);
      let file: string | null = null;
      let start = 0;
      const first = args[0] ?? "";
      if (first.startsWith("--defaults-file=") || first.startsWith("--defaults-extra-file=")) {
        file = first.slice(first.indexOf("=") + 1);
        start = 1;
      }
      const groups: string[] = [];
      for (const a of args.slice(start)) {
        if (a.startsWith("--") && a.includes("=")) return fail(`my_print_defaults: unknown variable '${a.slice(2)}'\n`, 7);
        if (a.startsWith("-")) return fail(`my_print_defaults: unknown option '${a}'\n`, 2);
        groups.push(a);
      }
      if (file === null) return ok("");
      let text: string | null;
      try {
        text = readOrNull(ctx.world.resolvePath(ctx.vm, file));
      } catch {
        text = null;
      }
      if (text === null) return fail(`Could not open required defaults file: ${file}\nFatal error in defaults handling. Program aborted\n`, 2);
      const out = optionEntries(text, groups).map(([name, value]) => (value === null ? `--${name}\n` : `--${name}=${value}\n`));
      return ok(out.join(""));
    },
  };
}
