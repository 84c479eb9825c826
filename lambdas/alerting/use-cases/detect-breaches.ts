import {
  BREACH_LEVELS,
  type BreachLevel,
  evaluateThreshold,
  type Period,
  periodOf,
  type ThresholdEvaluation,
  type ThresholdObservation,
} from '@cost-management/core';
import {
  type DomainEvent,
  type EventPublisher,
  THRESHOLD_BREACHED,
  type ThresholdBreachedDetail,
} from '../../platform/events/event-publisher.js';
import { logger } from '../../platform/logger.js';
import type { IngestReactor } from '../../usage/ports/ingest-reactor.js';
import type { UsageRecord } from '../../usage/ports/usage-store.js';
import {
  type Breach,
  type BreachStore,
  breachIdOf,
  type Threshold,
  type ThresholdStore,
} from '../ports/alerting-store.js';

/** A user's spend in one period: UTC periods are kept for every event, other zones as {@link thresholdAggregates} asks. */
export interface SpendItem {
  tenantId: string;
  userId: string;
  period: Period;
}

/** Port: the spend of periods, read in batches, in the order asked; nothing recorded costs 0. */
export interface SpendReader {
  costs(items: readonly SpendItem[]): Promise<readonly number[]>;
}

export const spendItemKey = (tenantId: string, userId: string, period: Period): SpendItem => ({
  tenantId,
  userId,
  period,
});

export function evaluate(threshold: Threshold, observed: ThresholdObservation): ThresholdEvaluation {
  return evaluateThreshold(
    {
      type: threshold.type,
      limitNano: threshold.limitNano,
      warningPercent: threshold.warningPercent,
      emergencyPercent: threshold.emergencyPercent,
      changePercent: threshold.changePercent,
    },
    observed,
  );
}

export interface BreachDeps {
  breaches: BreachStore;
  publisher: EventPublisher;
}

export function breachedEvent(breach: Breach): DomainEvent {
  const detail: ThresholdBreachedDetail = {
    tenantId: breach.tenantId,
    breachId: breach.breachId,
    thresholdId: breach.thresholdId,
    userId: breach.userId,
    level: breach.level,
    periodKey: breach.periodKey,
    spendNano: breach.spendNano,
    limitNano: breach.limitNano,
    detectedAt: breach.detectedAt,
  };
  return { detailType: THRESHOLD_BREACHED, detail: { ...detail } };
}

/**
 * Writes the breach of each level unless it exists (one per threshold, period and level, however
 * many callers race) and publishes `ThresholdBreached` for the ones this call created. A publish
 * failure is logged, not thrown: the breach keeps `delivery: pending` and the sweep delivers it.
 */
export async function openBreaches(
  deps: BreachDeps,
  tenantId: string,
  threshold: Threshold,
  period: Period,
  levels: readonly BreachLevel[],
  evaluation: ThresholdEvaluation,
  now: Date,
): Promise<Breach[]> {
  const created: Breach[] = [];
  // Several levels crossed at once: one notice, at the highest; the lower levels are recorded as
  // crossed with it (their channels `skipped`, `notifiedWith` the highest level's breach), so they
  // are never notified later either.
  const top = [...levels].sort((a, b) => BREACH_LEVELS.indexOf(b) - BREACH_LEVELS.indexOf(a))[0];
  const topId = top ? breachIdOf(threshold.thresholdId, period.key, top) : undefined;
  for (const level of levels) {
    const covered = level !== top && topId !== undefined;
    const breach: Breach = {
      tenantId,
      breachId: breachIdOf(threshold.thresholdId, period.key, level),
      thresholdId: threshold.thresholdId,
      thresholdName: threshold.name,
      thresholdType: threshold.type,
      userId: threshold.userId,
      level,
      status: 'open',
      periodKey: period.key,
      periodStart: period.start,
      periodEnd: period.end,
      timezone: period.timezone,
      spendNano: evaluation.measuredNano,
      limitNano: evaluation.effectiveLimitNano,
      channels: threshold.channels,
      detectedAt: now.toISOString(),
      notifications: threshold.channels.map((channel) =>
        covered
          ? { channel, status: 'skipped', attempts: 0, notifiedWith: topId }
          : { channel, status: 'pending', attempts: 0 },
      ),
      delivery: covered ? 'done' : 'pending',
      ...(covered ? { notifiedWith: topId } : {}),
    };
    if (level === 'emergency' && !covered)
      breach.notifications.push({ channel: 'emergency-topic', status: 'pending', attempts: 0 });
    if (await deps.breaches.createIfAbsent(breach)) created.push(breach);
  }
  if (created.length > 0) {
    try {
      await deps.publisher.publish(created.map(breachedEvent));
    } catch (error) {
      logger.warn('ThresholdBreached not published; the sweep will deliver it', {
        breaches: created.map((b) => b.breachId),
        error: error as Error,
      });
    }
  }
  return created;
}

const CACHES_KEY = Symbol.for('cost-management.threshold-caches');
type CacheHolder = { [CACHES_KEY]?: Set<ThresholdCache> };

/**
 * Drops the cached thresholds of a user in every cache of this process. In AWS the ingest functions
 * run elsewhere and pick a change up within the cache TTL; in the local runtime, where every
 * handler shares one process, a change applies at once.
 */
export function forgetThresholds(tenantId: string, userId: string): void {
  for (const cache of (globalThis as CacheHolder)[CACHES_KEY] ?? []) cache.forget(tenantId, userId);
}

/** Thresholds per user, kept for `ttlMs` per warm instance (a changed threshold applies within it). */
export class ThresholdCache {
  private readonly entries = new Map<string, { at: number; value: Promise<Threshold[]> }>();

  constructor(
    private readonly store: ThresholdStore,
    private readonly ttlMs = 30_000,
    private readonly clock: () => number = Date.now,
  ) {
    const holder = globalThis as CacheHolder;
    holder[CACHES_KEY] ??= new Set();
    holder[CACHES_KEY].add(this);
  }

  forget(tenantId: string, userId: string): void {
    this.entries.delete(`${tenantId}|${userId}`);
  }

  get(tenantId: string, userId: string): Promise<Threshold[]> {
    const key = `${tenantId}|${userId}`;
    const hit = this.entries.get(key);
    if (hit && this.clock() - hit.at < this.ttlMs) return hit.value;
    const value = this.store.listByUser(tenantId, userId).then((all) => all.filter((t) => t.enabled));
    value.catch(() => this.entries.delete(key));
    this.entries.set(key, { at: this.clock(), value });
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}

/**
 * Whether a record counts in the zone period totals a threshold feeds, as ingest adds it (and
 * repricing adds its price change): every record once the threshold's backfill completed, and
 * while it is pending only the records written from `backfillBefore` on — the earlier ones are the
 * backfill's (`backfill-period.ts`). Comparing the record's own `recordedAt` (not its usage
 * timestamp) keeps late reports (invocation logs arrive minutes after the call) on one side.
 */
export function feedsTotal(threshold: Threshold, record: Pick<UsageRecord, 'recordedAt'>): boolean {
  if (threshold.periodTotals !== 'pending') return true;
  return (record.recordedAt ?? '') >= (threshold.backfillBefore ?? '');
}

/**
 * Periods in other zones than UTC whose totals the user's thresholds need, added in the same
 * transaction as the event (UTC days, weeks and months are kept for every event). A period is
 * added once however many thresholds of its zone feed it (see {@link feedsTotal}).
 */
export function thresholdAggregates(cache: ThresholdCache) {
  return async (tenantId: string, record: UsageRecord): Promise<Period[]> => {
    let thresholds: Threshold[];
    try {
      thresholds = await cache.get(tenantId, record.userId);
    } catch (error) {
      logger.warn('thresholds not readable; zone period totals skipped', { error: error as Error });
      return [];
    }
    const periods = new Map<string, Period>();
    for (const t of thresholds) {
      if (t.timezone === 'UTC' || !feedsTotal(t, record)) continue;
      const period = periodOf(t.period, record.timestamp, t.timezone);
      periods.set(`${period.kind}|${period.timezone}|${period.key}`, period);
    }
    return [...periods.values()];
  };
}

export interface DetectionDeps extends BreachDeps {
  cache: ThresholdCache;
  spend: SpendReader;
  /** Breach ids this instance knows exist: no further conditional write is tried for them. */
  known?: Set<string>;
}

/**
 * The ingest reactor: after events are recorded, evaluates the users' enabled absolute thresholds
 * against their current period spend and opens a breach for each level reached. A threshold whose
 * period total is still `pending` (backfill not done) is evaluated too: the total then lacks only
 * records, so a level it reaches is reached by the complete total as well; the reactor never
 * resolves anything. It never throws:
 * the events are recorded and acknowledged whatever happens here, and the sweep is the safety net.
 */
export function thresholdReactor(deps: DetectionDeps): IngestReactor {
  return async (tenantId, recorded, now) => {
    const users = [...new Set(recorded.map((r) => r.userId))];
    await Promise.all(
      users.map(async (userId) => {
        try {
          const at = now.toISOString();
          const knownKey = (threshold: Threshold, period: Period, level: BreachLevel) =>
            `${tenantId}|${breachIdOf(threshold.thresholdId, period.key, level)}`;
          // A threshold whose every level has its breach this period needs no read until the next one.
          const watched = (await deps.cache.get(tenantId, userId))
            .filter((t) => t.type === 'absolute')
            .map((t) => ({ t, p: periodOf(t.period, at, t.timezone) }))
            .filter(({ t, p }) => !BREACH_LEVELS.every((level) => deps.known?.has(knownKey(t, p, level))));
          if (watched.length === 0) return;
          const thresholds = watched.map(({ t }) => t);
          const periods = watched.map(({ p }) => p);
          const keys = periods.map((p) => spendItemKey(tenantId, userId, p));
          const costs = await deps.spend.costs(keys);
          for (const [i, threshold] of thresholds.entries()) {
            const period = periods[i] as Period;
            const spendNano = costs[i] ?? 0;
            const evaluation = evaluate(threshold, { spendNano });
            const levels = evaluation.levels.filter(
              (level) => !deps.known?.has(knownKey(threshold, period, level)),
            );
            if (levels.length === 0) continue;
            await openBreaches(deps, tenantId, threshold, period, levels, evaluation, now);
            for (const level of levels) deps.known?.add(knownKey(threshold, period, level));
            if (deps.known && deps.known.size > 50_000) deps.known.clear();
          }
        } catch (error) {
          logger.error('threshold detection failed; the sweep will catch up', {
            userId,
            error: error as Error,
          });
        }
      }),
    );
  };
}
