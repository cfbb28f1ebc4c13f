-- CreateTable
CREATE TABLE "Event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "clusterId" TEXT NOT NULL,
    "host" TEXT,
    "tier" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "actor" TEXT
);

-- CreateTable
CREATE TABLE "Sample" (
    "clusterId" TEXT NOT NULL,
    "series" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "resolution" INTEGER NOT NULL,
    "bucket" DATETIME NOT NULL,
    "value" REAL NOT NULL,
    "min" REAL NOT NULL,
    "max" REAL NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("clusterId", "series", "subject", "resolution", "bucket")
);

-- CreateIndex
CREATE INDEX "Event_clusterId_at_idx" ON "Event"("clusterId", "at");

-- CreateIndex
CREATE INDEX "Event_clusterId_kind_at_idx" ON "Event"("clusterId", "kind", "at");

-- CreateIndex
CREATE INDEX "Sample_clusterId_series_resolution_bucket_idx" ON "Sample"("clusterId", "series", "resolution", "bucket");

-- CreateIndex
CREATE INDEX "Sample_resolution_bucket_idx" ON "Sample"("resolution", "bucket");

