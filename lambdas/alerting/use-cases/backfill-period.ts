import { type Period, periodOf } from '@cost-management/core';
import type { UsageRecordReader } from '../../usage/ports/read-stores.js';
import type { Threshold } from '../ports/alerting-store.js';

export interface BackfillDeps {
  records: UsageRecordReader;
  /** Port: creates a period total from a sum unless it exists (false then). */
  writer: {
    addOnce(
      tenantId: string,
      userId: string,
      period: Period,
      sum: { costNano: number; requests: number },
      at: string,
    ): Promise<boolean>;
  };
}

/**
 * Gives a threshold in a zone other than UTC its period-to-date when it starts watching mid-period.
 * The ingest path adds each event to the zone's period total only once it knows the threshold, so
 * before the threshold is stored, the current period's records up to `now` are summed from the raw
 * records into a new period total. When the total exists already, another threshold of the same
 * zone and period has been feeding it and nothing is added. UTC thresholds read the totals every
 * event adds to and need nothing. Cost: one pass over this period's records of one user, once.
 * Events recorded between `now` and the moment a warm ingest instance refreshes its threshold
 * cache (at most 30 s) are missing from the zone total until the next period.
 */
export async function backfillPeriodTotal(
  deps: BackfillDeps,
  tenantId: string,
  threshold: Threshold,
  now: Date,
): Promise<boolean> {
  if (threshold.timezone === 'UTC' || !threshold.enabled) return false;
  const at = now.toISOString();
  const period = periodOf(threshold.period, at, threshold.timezone);
  let costNano = 0;
  let requests = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.records.listRecords(
      tenantId,
      threshold.userId,
      { from: period.start, to: at },
      { limit: 1000, ...(cursor ? { cursor } : {}) },
    );
    for (const record of page.records) {
      if (record.timestamp >= period.start && record.timestamp < at) {
        costNano += record.costNano;
        requests += 1;
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return deps.writer.addOnce(tenantId, threshold.userId, period, { costNano, requests }, at);
}
