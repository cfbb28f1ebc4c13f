import "server-only";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "@/generated/prisma/client";
import { makeDatabasePrivate } from "@/lib/db-file";
import { databaseUrl } from "@/lib/env";

// One client per process; in development Next reloads modules, so it lives on globalThis.
const globalForPrisma = globalThis as unknown as { clusterdeckPrisma?: PrismaClient };

function createClient(): PrismaClient {
  makeDatabasePrivate(databaseUrl());
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl() }) });
}

export const db: PrismaClient = globalForPrisma.clusterdeckPrisma ?? createClient();
globalForPrisma.clusterdeckPrisma = db;
