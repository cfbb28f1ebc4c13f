#!/usr/bin/env node
// `npm run db:migrate`: apply every migration to the database in DATABASE_URL (default data/clusterdeck.db).
import fs from "node:fs";
import path from "node:path";
import { prepareDatabase, root } from "./lib/proc.mjs";

const env = { ...process.env };
env.DATABASE_URL ??= `file:${path.join(root, "data", "clusterdeck.db")}`;
fs.mkdirSync(path.join(root, "data"), { recursive: true });
prepareDatabase(env);
