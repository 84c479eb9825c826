import {
  type BilledLineItem,
  DEFAULT_GAP_THRESHOLD_PERCENT,
  type NanoUsd,
  type ReconciliationReport,
  reconcile,
} from '@cost-management/core';
import {
  ALL_REGIONS,
  type GapAlert,
  type ReconciliationStore,
  type StoredReconciliationRow,
  type TrackedCostReader,
} from '../ports/reconciliation.js';

export interface ReconcileDeps {
  tracked: TrackedCostReader;
  store: ReconciliationStore;
  alert: GapAlert;
}

/**
 * Compares what the service priced with what AWS billed, per day and model, stores the rows and
 * alerts the operators when the total unexplained gap exceeds `thresholdPercent` of the bill.
 * Tracked usage carries no Region, so billed items are compared across Regions
 * ({@link ALL_REGIONS}); only the days the bill covers (`days`, and the days of its items) are
 * compared.
 */
export async function runReconciliation(
  deps: ReconcileDeps,
  tenantId: string,
  billed: readonly BilledLineItem[],
  options: { thresholdPercent?: number; now: Date; days?: readonly string[] },
): Promise<ReconciliationReport> {
  // The days the bill covers: those of its line items, and those the caller names (a day billed
  // nothing is still compared: tracked usage on it is a gap).
  const days = [...new Set([...(options.days ?? []), ...billed.map((b) => b.date)])].sort();
  const from = days[0];
  const to = days.at(-1);
  const tracked =
    from && to
      ? (await deps.tracked.dailyModelCosts(tenantId, from, to))
          .filter((t) => days.includes(t.date))
          .map((t) => ({ ...t, region: ALL_REGIONS }))
      : [];
  const report = reconcile({
    tracked,
    billed: billed.map((b) => ({ ...b, region: ALL_REGIONS })),
    thresholdPercent: options.thresholdPercent ?? DEFAULT_GAP_THRESHOLD_PERCENT,
  });
  const runAt = options.now.toISOString();
  await deps.store.save(
    tenantId,
    report.rows.map((r) => ({
      date: r.date,
      region: r.region,
      modelId: r.modelId,
      trackedNano: r.trackedNano,
      billedNano: r.billedNano,
      gapNano: r.gapNano,
      gapPercent: r.gapPercent,
      usageTypes: r.usageTypes,
      runAt,
    })),
  );
  if (report.exceeded) await deps.alert(tenantId, report);
  return report;
}

/** The gap as a percentage of the bill, to the hundredth (-100 when nothing was billed but something tracked). */
export function gapPercentOf(trackedNano: NanoUsd, billedNano: NanoUsd): number {
  if (billedNano === 0) return trackedNano === 0 ? 0 : -100;
  const gap = BigInt(billedNano - trackedNano);
  const scaled = gap * 10_000n;
  const billedBig = BigInt(Math.abs(billedNano));
  const sign = scaled < 0n ? -1n : 1n;
  const hundredths = ((scaled * sign * 2n + billedBig) / (2n * billedBig)) * sign;
  return Number(hundredths) / 100;
}

export interface StoredReconciliation {
  rows: StoredReconciliationRow[];
  totals: { trackedNano: NanoUsd; billedNano: NanoUsd; gapNano: NanoUsd; gapPercent: number };
}

/** The stored rows of a date range and their totals. */
export async function getReconciliation(
  store: ReconciliationStore,
  tenantId: string,
  range: { from: string; to: string },
): Promise<StoredReconciliation> {
  const rows = await store.list(tenantId, range.from, range.to);
  const trackedNano = rows.reduce((s, r) => s + r.trackedNano, 0);
  const billedNano = rows.reduce((s, r) => s + r.billedNano, 0);
  return {
    rows,
    totals: {
      trackedNano,
      billedNano,
      gapNano: billedNano - trackedNano,
      gapPercent: gapPercentOf(trackedNano, billedNano),
    },
  };
}
