import "server-only";
import { db } from "@/lib/db";
import { mergeAggregate, pruneCutoffs, RANGE_MS, resolutionFor, rollupRows, shouldPrune, stepMsFor } from "@/lib/cluster/rollup";
import type { SampleValue, SeriesName, SeriesRange, SeriesView } from "@/lib/cluster/samples";

const lastPrunedAt = new Map<string, number>();

/** Writes one set of samples as raw rows and folds them into the 60 s and 600 s buckets. */
export async function storeSamples(clusterId: string, at: Date, samples: SampleValue[]): Promise<void> {
  const atMs = at.getTime();
  const rows = rollupRows(atMs, samples);
  if (rows.length > 0) {
    const keyOf = (r: { series: string; subject: string; resolution: number; bucket: number }) => `${r.series}\u0000${r.subject}\u0000${r.resolution}\u0000${r.bucket}`;
    const buckets = [...new Map(rows.map((r) => [`${r.resolution}:${r.bucket}`, { resolution: r.resolution, bucket: new Date(r.bucket) }])).values()];
    await db.$transaction(async (tx) => {
      const existing = new Map(
        (await tx.sample.findMany({ where: { clusterId, OR: buckets } })).map((e) => [keyOf({ ...e, bucket: e.bucket.getTime() }), e]),
      );
      const fresh = rows.filter((r) => !existing.has(keyOf(r)));
      if (fresh.length > 0) await tx.sample.createMany({ data: fresh.map((r) => ({ clusterId, ...r, bucket: new Date(r.bucket) })) });
      for (const row of rows) {
        const old = existing.get(keyOf(row));
        if (!old) continue;
        const { value, min, max, count } = mergeAggregate(old, row);
        // updateMany: one statement, where update() would read the row back first.
        await tx.sample.updateMany({
          where: { clusterId, series: row.series, subject: row.subject, resolution: row.resolution, bucket: old.bucket },
          data: { value, min, max, count },
        });
      }
    });
  }
  if (shouldPrune(lastPrunedAt.get(clusterId) ?? null, atMs)) {
    lastPrunedAt.set(clusterId, atMs);
    await pruneSamples(clusterId, atMs);
  }
}

/** Drops rows past their resolution's retention; returns how many went. */
export async function pruneSamples(clusterId: string, nowMs: number): Promise<number> {
  let removed = 0;
  for (const { resolution, before } of pruneCutoffs(nowMs)) {
    const { count } = await db.sample.deleteMany({ where: { clusterId, resolution, bucket: { lt: new Date(before) } } });
    removed += count;
  }
  return removed;
}

export async function querySeries({
  clusterId,
  series,
  range,
  now = Date.now(),
}: {
  clusterId: string;
  series: SeriesName;
  range: SeriesRange;
  now?: number;
}): Promise<SeriesView> {
  const resolution = resolutionFor(range);
  const rows = await db.sample.findMany({
    where: { clusterId, series, resolution, bucket: { gte: new Date(now - RANGE_MS[range]) } },
    orderBy: [{ bucket: "asc" }, { subject: "asc" }],
    select: { bucket: true, subject: true, value: true, min: true, max: true },
  });
  return {
    series,
    range,
    resolution,
    stepMs: stepMsFor(resolution),
    points: rows.map((r) => ({ t: r.bucket.getTime(), subject: r.subject, value: r.value, min: r.min, max: r.max })),
  };
}
