-- AlterTable
ALTER TABLE "Event" ADD COLUMN "incidentId" INTEGER;

-- CreateTable
CREATE TABLE "Incident" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clusterId" TEXT NOT NULL,
    "openedAt" DATETIME NOT NULL,
    "closedAt" DATETIME,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "tiers" TEXT NOT NULL DEFAULT '[]',
    "hosts" TEXT NOT NULL DEFAULT '[]',
    "findings" TEXT NOT NULL DEFAULT '[]',
    "webhookStatus" TEXT
);

-- CreateTable
CREATE TABLE "IncidentNote" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "incidentId" INTEGER NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "author" TEXT NOT NULL,
    "text" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "StateFrame" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clusterId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "verdict" TEXT NOT NULL,
    "findings" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "updatedBy" TEXT
);

-- CreateTable
CREATE TABLE "DrillScore" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "passed" BOOLEAN NOT NULL,
    "aborted" BOOLEAN NOT NULL DEFAULT false,
    "measurements" TEXT NOT NULL,
    "expectations" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "FailoverMark" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clusterId" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "source" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "ackBy" TEXT,
    "ackAt" DATETIME
);

-- CreateIndex
CREATE INDEX "Incident_clusterId_openedAt_idx" ON "Incident"("clusterId", "openedAt");

-- CreateIndex
CREATE INDEX "Incident_closedAt_idx" ON "Incident"("closedAt");

-- CreateIndex
CREATE INDEX "IncidentNote_incidentId_at_idx" ON "IncidentNote"("incidentId", "at");

-- CreateIndex
CREATE INDEX "StateFrame_clusterId_at_idx" ON "StateFrame"("clusterId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "DrillScore_runId_key" ON "DrillScore"("runId");

-- CreateIndex
CREATE INDEX "DrillScore_clusterId_kind_at_idx" ON "DrillScore"("clusterId", "kind", "at");

-- CreateIndex
CREATE INDEX "FailoverMark_clusterId_tier_at_idx" ON "FailoverMark"("clusterId", "tier", "at");

-- CreateIndex
CREATE INDEX "Event_clusterId_tier_at_idx" ON "Event"("clusterId", "tier", "at");

-- CreateIndex
CREATE INDEX "Event_clusterId_severity_at_idx" ON "Event"("clusterId", "severity", "at");

-- CreateIndex
CREATE INDEX "Event_clusterId_host_at_idx" ON "Event"("clusterId", "host", "at");

-- CreateIndex
CREATE INDEX "Event_incidentId_at_idx" ON "Event"("incidentId", "at");

