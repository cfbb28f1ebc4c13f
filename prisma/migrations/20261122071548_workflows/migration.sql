-- CreateTable
CREATE TABLE "WorkflowRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clusterId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "warnings" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "overrides" TEXT NOT NULL DEFAULT '[]',
    "state" TEXT NOT NULL DEFAULT '{}',
    "outcome" TEXT,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "cancelledBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "WorkflowStep" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "detail" TEXT,
    "host" TEXT,
    "planned" TEXT NOT NULL,
    "plannedUndo" TEXT NOT NULL,
    "runtimeNote" TEXT,
    "status" TEXT NOT NULL,
    "message" TEXT,
    "commands" TEXT NOT NULL DEFAULT '[]',
    "rollback" TEXT NOT NULL DEFAULT '[]',
    "wait" TEXT,
    "approvedBy" TEXT,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    CONSTRAINT "WorkflowStep_runId_fkey" FOREIGN KEY ("runId") REFERENCES "WorkflowRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ClusterLock" (
    "clusterId" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "acquiredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Drain" (
    "clusterId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "previousWeights" TEXT NOT NULL,
    "since" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("clusterId", "host")
);

-- CreateIndex
CREATE INDEX "WorkflowRun_clusterId_createdAt_idx" ON "WorkflowRun"("clusterId", "createdAt");

-- CreateIndex
CREATE INDEX "WorkflowRun_status_idx" ON "WorkflowRun"("status");

-- CreateIndex
CREATE UNIQUE INDEX "WorkflowStep_runId_index_key" ON "WorkflowStep"("runId", "index");

-- CreateIndex
CREATE UNIQUE INDEX "ClusterLock_runId_key" ON "ClusterLock"("runId");

