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
  notify: (tenantId: string, breachId: string, kind: NoticeKind, now: Date) => Promise<unknown>;
  log?: { record(summary: SweepSummary): Promise<void> };
  /** A breach whose notice is still pending this long after detection is delivered by the sweep. */
  redeliverAfterMs: number;
  /** Work items processed at once. */
  concurrency?: number;
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

/**
 * One sweep: evaluates every enabled threshold (forecast, percentage, and absolute as a safety
 * net), opens breaches for levels newly reached, resolves breaches whose spend is back under the
 * level or whose period ended (with a resolution notice), escalates unacknowledged critical and
 * emergency breaches, and delivers notices still pending. A threshold whose zone period total is
 * still `pending` opens absolute levels only and resolves nothing; its backfill is asked for again
 * once it has waited `redeliverAfterMs`. Reads go by index and in batches: the
 * cost grows with enabled thresholds and active breaches, not with usage events.
 */
export async function runSweep(deps: SweepDeps, now: Date): Promise<SweepSummary> {
  const started = Date.now();
  const limit = deps.concurrency ?? 16;
  const summary: SweepSummary = {
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
  };
  const shardList = Array.from({ length: deps.thresholds.shards }, (_, i) => i);
  const enabled = (await Promise.all(shardList.map((s) => deps.thresholds.listEnabled(s)))).flat();
  summary.thresholds = enabled.length;
  const at = now.toISOString();
  // Thresholds whose backfill event was lost or failed for good: asked for again (it is idempotent).
  const stalled = enabled.filter(
    ({ threshold: t }) =>
      t.periodTotals === 'pending' &&
      t.backfillBefore !== undefined &&
      now.getTime() - Date.parse(t.backfillBefore) >= deps.redeliverAfterMs,
  );
  if (stalled.length > 0) {
    try {
      await deps.publisher.publish(
        stalled.map(({ tenantId, threshold }) => backfillRequested(tenantId, threshold)),
      );
      summary.backfillsRequested = stalled.length;
    } catch (error) {
      summary.failures++;
      logger.error('sweep: ThresholdBackfillRequested not published', { error: error as Error });
    }
  }
  const periods = enabled.map(({ threshold: t }) => periodOf(t.period, at, t.timezone));
  const keys = enabled.map(({ tenantId, threshold }, i) =>
    spendItemKey(tenantId, threshold.userId, periods[i] as Period),
  );
  const costs = await deps.spend.costs(keys);

  // Daily history, once per user that has a forecast or percentage threshold.
  const historyFrom = new Map<string, string>();
  enabled.forEach(({ tenantId, threshold }, i) => {
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

  // Active breaches first: a level that already has its breach needs no conditional write.
  const active = (await Promise.all(shardList.map((s) => deps.breaches.listActive(s)))).flat();
  summary.activeBreaches = active.length;
  const existing = new Set(active.map((b) => `${b.tenantId}|${b.breachId}`));

  const evaluated = new Map<string, Evaluated>();
  /** Thresholds this sweep could not evaluate: their breaches are not resolved on missing data. */
  const unevaluated = new Set<string>();
  await eachLimited(
    enabled.map((e, i) => ({ ...e, i })),
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

  await eachLimited(active, limit, async (breach) => {
    try {
      const key = `${breach.tenantId}|${breach.thresholdId}`;
      const current = unevaluated.has(key) ? 'unknown' : evaluated.get(key);
      await handleActive(deps, breach, current, now, summary);
    } catch (error) {
      summary.failures++;
      logger.error('sweep: breach handling failed', { breachId: breach.breachId, error: error as Error });
    }
  });

  summary.durationMs = Date.now() - started;
  await deps.log
    ?.record(summary)
    .catch((error: unknown) => logger.warn('sweep log not written', { error: error as Error }));
  return summary;
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
