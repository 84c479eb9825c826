import type { NanoUsd, ReconciliationReport, ReconciliationRow } from '@cost-management/core';

/** The Region of a reconciliation row while tracked usage carries none: days and models across Regions. */
export const ALL_REGIONS = 'all';

/** What the service priced for a tenant, per UTC day and catalog model, summed over its users. */
export interface TrackedCostReader {
  dailyModelCosts(
    tenantId: string,
    from: string,
    to: string,
  ): Promise<{ date: string; modelId: string; nano: NanoUsd }[]>;
}

/** One stored row of a reconciliation run. */
export type StoredReconciliationRow = Pick<
  ReconciliationRow,
  'date' | 'region' | 'modelId' | 'trackedNano' | 'billedNano' | 'gapNano' | 'gapPercent' | 'usageTypes'
> & { runAt: string };

/** The stored results of reconciliation runs: a run replaces the rows of the days it covered. */
export interface ReconciliationStore {
  save(tenantId: string, rows: readonly StoredReconciliationRow[]): Promise<void>;
  list(tenantId: string, from: string, to: string): Promise<StoredReconciliationRow[]>;
}

/** Tells the operators that the unexplained gap exceeds its threshold. */
export type GapAlert = (tenantId: string, report: ReconciliationReport) => Promise<void>;

/** Records the gap of every run (the metric an alarm compares with the threshold). */
export type GapMetric = (tenantId: string, report: ReconciliationReport) => void;
