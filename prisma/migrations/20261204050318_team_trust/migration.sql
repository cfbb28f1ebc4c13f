-- AlterTable
ALTER TABLE "WorkflowStep" ADD COLUMN "approvalExpiresAt" DATETIME;

-- CreateTable
CREATE TABLE "HostKeyDecision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clusterId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "decidedBy" TEXT NOT NULL,
    "decidedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pinned" TEXT NOT NULL DEFAULT '[]',
    "revokedAt" DATETIME,
    "revokedBy" TEXT
);

-- CreateTable
CREATE TABLE "ClusterPolicy" (
    "clusterId" TEXT NOT NULL PRIMARY KEY,
    "twoPersonRule" BOOLEAN NOT NULL DEFAULT false,
    "approvalTtlMinutes" INTEGER NOT NULL DEFAULT 60,
    "updatedBy" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ProbeReadSummary" (
    "clusterId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "reads" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "lastError" TEXT,

    PRIMARY KEY ("clusterId", "host", "hour")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastLoginAt" DATETIME,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "mustChangePassword" BOOLEAN NOT NULL DEFAULT false,
    "passwordChangedAt" DATETIME,
    "createdBy" TEXT
);
INSERT INTO "new_User" ("createdAt", "id", "lastLoginAt", "passwordHash", "role", "username") SELECT "createdAt", "id", "lastLoginAt", "passwordHash", "role", "username" FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "HostKeyDecision_clusterId_host_decidedAt_idx" ON "HostKeyDecision"("clusterId", "host", "decidedAt");

-- CreateIndex
CREATE INDEX "ProbeReadSummary_hour_idx" ON "ProbeReadSummary"("hour");

