import { type Period, periodOf } from '@cost-management/core';
import {
  type DomainEvent,
  THRESHOLD_BACKFILL_REQUESTED,
  type ThresholdBackfillRequestedDetail,
} from '../../platform/events/event-publisher.js';
import type { UsageRecordReader } from '../../usage/ports/read-stores.js';
import { MAX_FUTURE_SKEW_MS } from '../../usage/ports/usage-store.js';
import type { Threshold, ThresholdStore } from '../ports/alerting-store.js';

/** Port: the backfill marker of a zone period total and the conditional add that moves it. */
export interface PeriodTotalBackfill {
  /** The instant before which the written records are in the total by a backfill; undefined: none yet. */
  backfillMarker(tenantId: string, userId: string, period: Period): Promise<string | undefined>;
  /** Adds `sum` and sets the marker to `before` while the marker is still `seen`; false when it moved. */
  addBackfill(
    tenantId: string,
    userId: string,
    period: Period,
    sum: { costNano: number; requests: number },
    marker: { seen: string | undefined; before: string },
    at: string,
  ): Promise<boolean>;
}

export interface BackfillDeps {
  thresholds: Pick<ThresholdStore, 'get' | 'listByUser' | 'completePeriodTotals'>;
  records: UsageRecordReader;
  totals: PeriodTotalBackfill;
  /**
   * How long after `backfillBefore` the records are read at the earliest: the user's records are
   * listed from an eventually consistent index, where a record written a moment before may not show yet.
   */
  settleMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type BackfillResult =
  | { outcome: 'completed'; periodKey: string; from: string; added: { costNano: number; requests: number } }
  | { outcome: 'superseded' };

const MAX_ATTEMPTS = 5;

/** The event that asks for a pending threshold's backfill. */
export function backfillRequested(tenantId: string, threshold: Threshold): DomainEvent {
  const detail: ThresholdBackfillRequestedDetail = {
    tenantId,
    thresholdId: threshold.thresholdId,
    backfillBefore: threshold.backfillBefore ?? threshold.updatedAt,
  };
  return { detailType: THRESHOLD_BACKFILL_REQUESTED, detail: { ...detail } };
}

/**
 * The records of `period` written in [`from`, `before`) (from the start of time when `from` is
 * undefined), summed. A record written before `before` has a usage timestamp at most the clock
 * skew ingest accepts after it, so only that much of the period is read.
 */
async function sumWritten(
  deps: BackfillDeps,
  tenantId: string,
  userId: string,
  period: Period,
  from: string | undefined,
  before: string,
): Promise<{ costNano: number; requests: number }> {
  const sum = { costNano: 0, requests: 0 };
  const latest = new Date(Date.parse(before) + MAX_FUTURE_SKEW_MS).toISOString();
  const to = latest < period.end ? latest : period.end;
  if (to < period.start) return sum;
  let cursor: string | undefined;
  do {
    const page = await deps.records.listRecords(
      tenantId,
      userId,
      { from: period.start, to },
      { limit: 1000, ...(cursor ? { cursor } : {}) },
    );
    for (const record of page.records) {
      if (record.timestamp < period.start || record.timestamp >= period.end) continue;
      const written = record.recordedAt ?? '';
      if (written >= before || (from !== undefined && written < from)) continue;
      sum.costNano += record.costNano;
      sum.requests += 1;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return sum;
}

/**
 * Completes the zone period total of a threshold in a zone other than UTC that started watching at
 * `backfillBefore` (T0), off the request path (the threshold-backfill function, on
 * `ThresholdBackfillRequested`). Every record of the period is counted exactly once:
 * - ingest adds a record to a zone total while a threshold of that zone and period is cached on
 *   its instance and either complete or the record was written at or after the threshold's T0
 *   (`feedsTotal`); so, with every feeding threshold known, ingest counts the records written from
 *   F = the earliest T0 of the user's enabled thresholds of that zone and period;
 * - the backfill adds the records written before F, and records F as the total's marker
 *   (`backfilledBefore`) in the same conditional update: a redelivered or concurrent backfill that
 *   finds the marker at F adds nothing. A backfill that finds the marker later than F (it was set
 *   by a threshold that started after this one, before this one was visible) takes back the
 *   records written in [F, marker), which ingest counted since, and moves the marker to F.
 * Then the threshold is marked `periodTotals: complete` (on condition that it still waits for this
 * backfill). A threshold deleted, disabled, moved or re-started since the event is left alone:
 * its own later event does the work.
 * Cost: one pass over the period's records of one user, once per threshold that starts watching.
 *
 * Known gaps: records written after T0 by an ingest instance whose threshold cache was loaded
 * before the threshold was stored (at most its 30 s TTL) are counted by neither side and are
 * missing from the total until the period ends. When every threshold feeding a total stopped
 * (deleted, disabled, moved) and one starts again in the same period, the records written while
 * none fed it are missing the same way (the marker then lies before F and nothing is added).
 */
export async function completePeriodTotal(
  deps: BackfillDeps,
  detail: ThresholdBackfillRequestedDetail,
  now: () => Date = () => new Date(),
): Promise<BackfillResult> {
  const { tenantId, thresholdId, backfillBefore } = detail;
  const threshold = await deps.thresholds.get(tenantId, thresholdId);
  if (
    !threshold?.enabled ||
    threshold.timezone === 'UTC' ||
    threshold.periodTotals !== 'pending' ||
    threshold.backfillBefore !== backfillBefore
  ) {
    return { outcome: 'superseded' };
  }
  const wait = Date.parse(backfillBefore) + (deps.settleMs ?? 0) - now().getTime();
  if (wait > 0) await (deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(wait);
  const { userId } = threshold;
  const period = periodOf(threshold.period, backfillBefore, threshold.timezone);
  const feeders = (await deps.thresholds.listByUser(tenantId, userId)).filter(
    (t) => t.enabled && t.timezone === threshold.timezone && t.period === threshold.period,
  );
  const from = feeders.reduce(
    (earliest, t) => ((t.backfillBefore ?? '') < earliest ? (t.backfillBefore ?? '') : earliest),
    backfillBefore,
  );
  let added = { costNano: 0, requests: 0 };
  for (let attempt = 1; ; attempt++) {
    const seen = await deps.totals.backfillMarker(tenantId, userId, period);
    // At F: done (this backfill redelivered, or another threshold's). Before F: see the known gaps.
    if (seen !== undefined && seen <= from) break;
    const sum =
      seen === undefined
        ? await sumWritten(deps, tenantId, userId, period, undefined, from)
        : await sumWritten(deps, tenantId, userId, period, from, seen);
    const sign = seen === undefined ? 1 : -1;
    const delta = { costNano: sign * sum.costNano || 0, requests: sign * sum.requests || 0 };
    if (
      await deps.totals.addBackfill(
        tenantId,
        userId,
        period,
        delta,
        { seen, before: from },
        now().toISOString(),
      )
    ) {
      added = delta;
      break;
    }
    if (attempt >= MAX_ATTEMPTS) throw new Error(`period total of threshold ${thresholdId} kept changing`);
  }
  await deps.thresholds.completePeriodTotals(tenantId, thresholdId, backfillBefore, now().toISOString());
  return { outcome: 'completed', periodKey: period.key, from, added };
}
