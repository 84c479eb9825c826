import {
  addDays,
  forecastSpend,
  type Period,
  periodOf,
  previousPeriod,
  sameMomentInPreviousPeriod,
  scaleNano,
  type ThresholdEvaluation,
  type ThresholdObservation,
  utcDay,
} from '@cost-management/core';
import type { SweepPosition } from '../../platform/events/event-publisher.js';
import { logger } from '../../platform/logger.js';
import type { AggregateReader } from '../../usage/ports/read-stores.js';
import {
  type AlertingConfigStore,
  type Breach,
  type BreachStore,
  breachIdOf,
  type Threshold,
  type ThresholdStore,
} from '../ports/alerting-store.js';
import type { NoticeKind } from './alert-message.js';
import { backfillRequested } from './backfill-period.js';
import {
  type BreachDeps,
  evaluate,
  openBreaches,
  type SpendReader,
  spendItemKey,
} from './detect-breaches.js';

export interface SweepDeps extends BreachDeps {
  thresholds: ThresholdStore;
  breaches: BreachStore;
  spend: SpendReader;
  aggregates: Pick<AggregateReader, 'readDays'>;
  alerting: AlertingConfigStore;
  /**
   * Asks for a notice (resolution, escalation, redelivery of a pending breach notice). Deployed, it
   * puts a `BreachNoticeRequested` event on the bus for the notifier: the sweep never waits on a
   * slow email provider or webhook. A throw counts as a failure; the next sweep asks again.
   */
  notify: (tenantId: string, breachId: string, kind: NoticeKind, now: Date) => Promise<unknown>;
  log?: { record(summary: SweepSummary & { shard?: number; continued?: boolean }): Promise<void> };
  /** A breach whose notice is still pending this long after detection is delivered by the sweep. */
  redeliverAfterMs: number;
  /** Work items processed at once. */
  concurrency?: number;
  /** Thresholds per batch (default {@link DEFAULT_SWEEP_BATCH}). */
  batchSize?: number;
}

export interface SweepSummary {
  startedAt: string;
  durationMs: number;
  thresholds: number;
  breachesOpened: number;
  breachesResolved: number;
  escalated: number;
  redelivered: number;
  activeBreaches: number;
  failures: number;
  /** Thresholds whose period-total backfill was asked for again (still pending after `redeliverAfterMs`). */
  backfillsRequested: number;
}

const MS_PER_DAY = 86_400_000;

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(runners);
}

type DayTotals = Map<string, number>;

/**
 * Spend of `[from, to)` from UTC day totals: whole days added, a partial day pro rata of its
 * elapsed share. Exact for UTC periods up to the partial last day; other zones are approximated
 * at day granularity.
 */
export function spendBetween(days: DayTotals, from: string, to: string): number {
  const start = Date.parse(from);
  const end = Date.parse(to);
  let total = 0;
  for (let dayStart = Date.parse(`${utcDay(from)}T00:00:00.000Z`); dayStart < end; dayStart += MS_PER_DAY) {
    const cost = days.get(new Date(dayStart).toISOString().slice(0, 10)) ?? 0;
    const overlap = Math.min(end, dayStart + MS_PER_DAY) - Math.max(start, dayStart);
    if (overlap > 0) total += overlap >= MS_PER_DAY ? cost : scaleNano(cost, overlap, MS_PER_DAY);
  }
  return total;
}

/** What the sweep observes for a threshold: period spend and, by type, a projection or last period's spend. */
export function observe(
  threshold: Threshold,
  period: Period,
  spendNano: number,
  days: DayTotals,
  now: Date,
): ThresholdObservation {
  const at = now.toISOString();
  if (threshold.type === 'percentage') {
    const previous = previousPeriod(period);
    return {
      spendNano,
      previousSpendAtSamePointNano: spendBetween(
        days,
        previous.start,
        sameMomentInPreviousPeriod(period, at),
      ),
    };
  }
  if (threshold.type === 'forecast') {
    const asOf = utcDay(at);
    const periodEnd = utcDay(new Date(Date.parse(period.end) - 1).toISOString());
    const history = [...days].map(([date, costNano]) => ({ date, costNano }));
    const dayFraction = (now.getTime() - Date.parse(`${asOf}T00:00:00.000Z`)) / MS_PER_DAY;
    const forecast = forecastSpend({
      history,
      asOf,
      horizonDays: Math.max(0, Math.round((Date.parse(periodEnd) - Date.parse(asOf)) / MS_PER_DAY)),
      periodEnd,
      periodToDateNano: spendNano,
      asOfElapsedFraction: Math.min(1, Math.max(0.001, dayFraction)),
    });
    return forecast.method === 'none'
      ? { spendNano }
      : { spendNano, projectedNano: forecast.projectedPeriodEndNano };
  }
  return { spendNano };
}

interface Evaluated {
  tenantId: string;
  threshold: Threshold;
  period: Period;
  evaluation: ThresholdEvaluation;
}

/** Where a threshold (and its breaches) stands in the order a shard is worked through. */
const positionOf = (tenantId: string, thresholdId: string): SweepPosition => ({ tenantId, thresholdId });

/** Orders positions by tenant, then threshold id. */
export function comparePositions(a: SweepPosition, b: SweepPosition): number {
  if (a.tenantId !== b.tenantId) return a.tenantId < b.tenantId ? -1 : 1;
  if (a.thresholdId !== b.thresholdId) return a.thresholdId < b.thresholdId ? -1 : 1;
  return 0;
}

/** One shard's work: all of it, or what is left `after` a position (a continuation). */
export interface ShardWork {
  shard: number;
  after?: SweepPosition | undefined;
}

/**
 * A worker's time: `remainingMs` before it is stopped; while less than `reserveMs` is left it takes
 * no further batch of thresholds (at least one batch is taken per run, so every run makes progress).
 */
export interface ShardBudget {
  remainingMs: () => number;
  reserveMs: number;
}

export interface ShardResult {
  summary: SweepSummary;
  /** Set when the budget ran short: the thresholds (and their breaches) after it are left. */
  next?: SweepPosition;
}

/** Thresholds evaluated per batch: one batch read of their period spend, then their active breaches. */
export const DEFAULT_SWEEP_BATCH = 200;

/** A summary with nothing counted yet. */
export const emptySweepSummary = (now: Date): SweepSummary => ({
  startedAt: now.toISOString(),
  durationMs: 0,
  thresholds: 0,
  breachesOpened: 0,
  breachesResolved: 0,
  escalated: 0,
  redelivered: 0,
  activeBreaches: 0,
  failures: 0,
  backfillsRequested: 0,
});

/** Adds the counts of `part` to `into` (duration: the longest). */
export function addSummary(into: SweepSummary, part: SweepSummary): SweepSummary {
  into.thresholds += part.thresholds;
  into.breachesOpened += part.breachesOpened;
  into.breachesResolved += part.breachesResolved;
  into.escalated += part.escalated;
  into.redelivered += part.redelivered;
  into.activeBreaches += part.activeBreaches;
  into.failures += part.failures;
  into.backfillsRequested += part.backfillsRequested;
  into.durationMs = Math.max(into.durationMs, part.durationMs);
  return into;
}

/**
 * Thresholds whose zone period total is still `pending` after `redeliverAfterMs` (the backfill
 * event was lost or failed for good): their backfill is asked for again (it is idempotent).
 */
async function requestStalledBackfills(
  deps: SweepDeps,
  listed: readonly { tenantId: string; threshold: Threshold }[],
  now: Date,
  summary: SweepSummary,
): Promise<void> {
  const stalled = listed.filter(
    ({ threshold: t }) =>
      t.periodTotals === 'pending' &&
      t.backfillBefore !== undefined &&
      now.getTime() - Date.parse(t.backfillBefore) >= deps.redeliverAfterMs,
  );
  if (stalled.length === 0) return;
  try {
    await deps.publisher.publish(
      stalled.map(({ tenantId, threshold }) => backfillRequested(tenantId, threshold)),
    );
    summary.backfillsRequested += stalled.length;
  } catch (error) {
    summary.failures++;
    logger.error('sweep: ThresholdBackfillRequested not published', { error: error as Error });
  }
}

/**
 * Evaluates one batch of enabled thresholds (forecast, percentage, and absolute as a safety net)
 * and opens breaches for levels newly reached. A threshold whose zone period total is still
 * `pending` opens absolute levels only and resolves nothing. The batch's period spend is one batch read; daily
 * history is read once per user that has a forecast or percentage threshold in the batch.
 */
async function evaluateBatch(
  deps: SweepDeps,
  listed: readonly { tenantId: string; threshold: Threshold }[],
  existing: ReadonlySet<string>,
  now: Date,
  summary: SweepSummary,
): Promise<{ evaluated: Map<string, Evaluated>; unevaluated: Set<string> }> {
  const limit = deps.concurrency ?? 16;
  const at = now.toISOString();
  await requestStalledBackfills(deps, listed, now, summary);
  const evaluated = new Map<string, Evaluated>();
  /** Thresholds this sweep could not evaluate: their breaches are not resolved on missing data. */
  const unevaluated = new Set<string>();
  // A stored threshold whose period cannot be computed (an item no version of the API writes)
  // fails alone; the rest of the batch goes on.
  const batch: { tenantId: string; threshold: Threshold }[] = [];
  const periods: Period[] = [];
  for (const entry of listed) {
    try {
      periods.push(periodOf(entry.threshold.period, at, entry.threshold.timezone));
      batch.push(entry);
    } catch (error) {
      unevaluated.add(`${entry.tenantId}|${entry.threshold.thresholdId}`);
      summary.failures++;
      logger.error('sweep: threshold evaluation failed', {
        thresholdId: entry.threshold.thresholdId,
        error: error as Error,
      });
    }
  }
  let costs: readonly number[];
  try {
    costs = await deps.spend.costs(
      batch.map(({ tenantId, threshold }, i) =>
        spendItemKey(tenantId, threshold.userId, periods[i] as Period),
      ),
    );
  } catch (error) {
    // The whole batch waits for the next sweep; its breaches are not resolved on missing data.
    for (const { tenantId, threshold } of batch) unevaluated.add(`${tenantId}|${threshold.thresholdId}`);
    summary.failures += batch.length;
    logger.error('sweep: period spend not readable', { thresholds: batch.length, error: error as Error });
    return { evaluated, unevaluated };
  }

  // Daily history, once per user that has a forecast or percentage threshold.
  const historyFrom = new Map<string, string>();
  batch.forEach(({ tenantId, threshold }, i) => {
    if (threshold.type === 'absolute' || threshold.periodTotals === 'pending') return;
    const key = `${tenantId}|${threshold.userId}`;
    const from =
      threshold.type === 'forecast'
        ? addDays(utcDay(at), -56)
        : utcDay(previousPeriod(periods[i] as Period).start);
    const known = historyFrom.get(key);
    if (!known || from < known) historyFrom.set(key, from);
  });
  const histories = new Map<string, DayTotals>();
  await eachLimited([...historyFrom], limit, async ([key, from]) => {
    const [tenantId = '', userId = ''] = key.split('|');
    try {
      const input = await deps.aggregates.readDays(tenantId, userId, from, utcDay(at));
      histories.set(key, new Map(input.days.map((d) => [d.date, d.totals.costNano])));
    } catch (error) {
      // Only this user's forecast and percentage thresholds wait for the next sweep.
      logger.error('sweep: daily history not readable', { error: error as Error });
    }
  });

  await eachLimited(
    batch.map((e, i) => ({ ...e, i })),
    limit,
    async ({ tenantId, threshold, i }) => {
      try {
        const period = periods[i] as Period;
        const spendNano = costs[i] ?? 0;
        const days = histories.get(`${tenantId}|${threshold.userId}`);
        if (threshold.periodTotals === 'pending') {
          // The zone total lacks the records before the threshold started until its backfill is
          // done: a forecast or percentage on it would mislead, and no breach is resolved on it. An
          // absolute level the partial total reaches, the complete one reaches too: opened now.
          unevaluated.add(`${tenantId}|${threshold.thresholdId}`);
          if (threshold.type !== 'absolute') return;
        }
        if (!days && threshold.type !== 'absolute') throw new Error('daily history not readable');
        const evaluation = evaluate(threshold, observe(threshold, period, spendNano, days ?? new Map(), now));
        if (threshold.periodTotals !== 'pending') {
          evaluated.set(`${tenantId}|${threshold.thresholdId}`, { tenantId, threshold, period, evaluation });
        }
        const levels = evaluation.levels.filter(
          (level) => !existing.has(`${tenantId}|${breachIdOf(threshold.thresholdId, period.key, level)}`),
        );
        if (levels.length > 0) {
          const created = await openBreaches(deps, tenantId, threshold, period, levels, evaluation, now);
          summary.breachesOpened += created.length;
        }
      } catch (error) {
        if (!evaluated.has(`${tenantId}|${threshold.thresholdId}`)) {
          unevaluated.add(`${tenantId}|${threshold.thresholdId}`);
        }
        summary.failures++;
        logger.error('sweep: threshold evaluation failed', {
          thresholdId: threshold.thresholdId,
          error: error as Error,
        });
      }
    },
  );
  return { evaluated, unevaluated };
}

/**
 * One sweep worker's run over one shard of the thresholds' sweep index: its enabled thresholds
 * (after `work.after` for a continuation) in batches, each batch followed by the active breaches
 * of the same stretch of the shard (resolution, escalation, redelivery; a breach whose threshold
 * is gone or disabled resolves in the stretch its threshold would sit in). Thresholds and breaches
 * are worked through in one order (tenant, then threshold id), so a breach is always handled after
 * its threshold's evaluation. Before each batch but the first the budget is checked: when it runs
 * short the run stops and answers where to go on (`next`), so a slow shard is handed on, never
 * timed out and never started again from the beginning.
 */
export async function sweepShard(
  deps: SweepDeps,
  now: Date,
  work: ShardWork,
  budget?: ShardBudget,
): Promise<ShardResult> {
  const started = Date.now();
  const limit = deps.concurrency ?? 16;
  const size = Math.max(1, deps.batchSize ?? DEFAULT_SWEEP_BATCH);
  const summary = emptySweepSummary(now);
  const after = work.after;
  const pending = (p: SweepPosition) => !after || comparePositions(p, after) > 0;
  const enabled = (await deps.thresholds.listEnabled(work.shard))
    .filter((e) => pending(positionOf(e.tenantId, e.threshold.thresholdId)))
    .sort((a, b) =>
      comparePositions(
        positionOf(a.tenantId, a.threshold.thresholdId),
        positionOf(b.tenantId, b.threshold.thresholdId),
      ),
    );
  // Active breaches first: a level that already has its breach needs no conditional write.
  const active = (await deps.breaches.listActive(work.shard))
    .filter((b) => pending(positionOf(b.tenantId, b.thresholdId)))
    .sort((a, b) =>
      comparePositions(positionOf(a.tenantId, a.thresholdId), positionOf(b.tenantId, b.thresholdId)),
    );
  const existing = new Set(active.map((b) => `${b.tenantId}|${b.breachId}`));

  let next: SweepPosition | undefined;
  let handled = 0;
  for (let from = 0; from < enabled.length || (from === 0 && active.length > 0); from += size) {
    if (from > 0 && budget && budget.remainingMs() < budget.reserveMs) {
      const last = enabled[from - 1] as (typeof enabled)[number];
      next = positionOf(last.tenantId, last.threshold.thresholdId);
      break;
    }
    const batch = enabled.slice(from, from + size);
    const { evaluated, unevaluated } =
      batch.length > 0
        ? await evaluateBatch(deps, batch, existing, now, summary)
        : { evaluated: new Map<string, Evaluated>(), unevaluated: new Set<string>() };
    summary.thresholds += batch.length;
    // This batch's stretch of the shard: up to its last threshold, or to the end after the last batch.
    const lastOfBatch = batch[batch.length - 1];
    const upTo =
      from + size >= enabled.length || !lastOfBatch
        ? active.length
        : active.findIndex(
            (b) =>
              comparePositions(
                positionOf(b.tenantId, b.thresholdId),
                positionOf(lastOfBatch.tenantId, lastOfBatch.threshold.thresholdId),
              ) > 0,
          );
    const stretch = active.slice(handled, upTo === -1 ? active.length : upTo);
    handled += stretch.length;
    summary.activeBreaches += stretch.length;
    await eachLimited(stretch, limit, async (breach) => {
      try {
        const key = `${breach.tenantId}|${breach.thresholdId}`;
        const current = unevaluated.has(key) ? 'unknown' : evaluated.get(key);
        await handleActive(deps, breach, current, now, summary);
      } catch (error) {
        summary.failures++;
        logger.error('sweep: breach handling failed', { breachId: breach.breachId, error: error as Error });
      }
    });
  }

  summary.durationMs = Date.now() - started;
  await deps.log
    ?.record({ ...summary, shard: work.shard, ...(next ? { continued: true } : {}) })
    .catch((error: unknown) => logger.warn('sweep log not written', { error: error as Error }));
  return next ? { summary, next } : { summary };
}

/**
 * A whole sweep in one process: every shard, each to its end (the local bench and tests; deployed,
 * the coordinator fans the shards out to workers instead). Breaches indexed the way of earlier
 * versions are moved to their threshold's shard first, as the coordinator does.
 */
export async function runSweep(deps: SweepDeps, now: Date): Promise<SweepSummary> {
  const started = Date.now();
  await deps.breaches.reindexLegacyActive?.(Number.POSITIVE_INFINITY);
  const total = emptySweepSummary(now);
  const shards = Array.from({ length: deps.thresholds.shards }, (_, i) => i);
  for (const shard of shards) {
    const { summary } = await sweepShard({ ...deps, log: undefined }, now, { shard });
    addSummary(total, summary);
  }
  total.durationMs = Date.now() - started;
  await deps.log
    ?.record(total)
    .catch((error: unknown) => logger.warn('sweep log not written', { error: error as Error }));
  return total;
}

/** `current`: the threshold's evaluation in this sweep; undefined when it is deleted or disabled, `unknown` when it failed. */
function stillHolds(breach: Breach, current: Evaluated | 'unknown' | undefined, now: Date): boolean {
  if (Date.parse(breach.periodEnd) <= now.getTime()) return false;
  // Evaluation failed this time: nothing shows the spend is back under.
  if (current === 'unknown') return true;
  // A deleted or disabled threshold no longer watches its breach.
  if (!current) return false;
  // The threshold now measures another period (its period or zone changed): the breach lasts its own period.
  if (current.period.key !== breach.periodKey) return true;
  if (current.evaluation.insufficientData) return true;
  return current.evaluation.levels.includes(breach.level);
}

async function handleActive(
  deps: SweepDeps,
  breach: Breach,
  current: Evaluated | 'unknown' | undefined,
  now: Date,
  summary: SweepSummary,
): Promise<void> {
  const { tenantId, breachId } = breach;
  const age = now.getTime() - Date.parse(breach.detectedAt);
  if (breach.status !== 'resolved' && !stillHolds(breach, current, now)) {
    const resolved = await deps.breaches.update(
      tenantId,
      breachId,
      {
        status: 'resolved',
        resolvedAt: now.toISOString(),
        resolutionNotifications: breach.channels.map((channel) => ({
          channel,
          status: 'pending',
          attempts: 0,
        })),
        delivery: 'pending',
      },
      ['open', 'acknowledged'],
    );
    if (resolved) {
      summary.breachesResolved++;
      await deps.notify(tenantId, breachId, 'resolution', now);
    }
    return;
  }
  if (breach.delivery === 'pending' && age >= deps.redeliverAfterMs) {
    summary.redelivered++;
    await deps.notify(tenantId, breachId, breach.status === 'resolved' ? 'resolution' : 'breach', now);
  }
  // A level crossed together with a higher one is escalated through that one's breach.
  if (breach.status === 'open' && breach.level !== 'warning' && !breach.escalatedAt && !breach.notifiedWith) {
    const config = await deps.alerting.get(tenantId, breach.userId);
    const escalation = config?.escalation;
    if (escalation && (escalation.email || escalation.phone) && age >= escalation.afterMinutes * 60_000) {
      summary.escalated++;
      await deps.notify(tenantId, breachId, 'escalation', now);
    }
  }
}
