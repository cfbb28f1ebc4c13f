// `npm run docs:host-commands`: regenerate docs/host-commands.md from the command registry.
import fs from "node:fs";
import path from "node:path";
import { hostCommandsDoc } from "@/lib/commands/doc";

const file = path.join(process.cwd(), "docs", "host-commands.md");
fs.writeFileSync(file, hostCommandsDoc());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
