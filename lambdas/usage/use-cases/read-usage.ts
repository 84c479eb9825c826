import {
  type AnalyticsSummary,
  addDays,
  type BreachLevel,
  benchmarkPosition,
  classifyPattern,
  DEFAULT_DOWNGRADE_MAP,
  daysBetween,
  type Forecast,
  firstCrossingDate,
  forecastSpend,
  MAX_ANALYTICS_DAYS,
  type Period,
  periodOf,
  priceAt,
  priceUsage,
  type Recommendation,
  recommend,
  resolveModel,
  scaleNano,
  summarizeAnalytics,
  tryResolveModel,
  type UsagePattern,
  utcDay,
  ValidationError,
} from '@cost-management/core';
import type { AggregateReader, ExpiringStore } from '../ports/read-stores.js';

export const ANALYTICS_CACHE_TTL_SECONDS = 24 * 3600;
export const PATTERN_TTL_SECONDS = 7 * 24 * 3600;
const PATTERN_KEY = 'PATTERN';
export const DEFAULT_INDUSTRY = 'hospitality';

/** `from`/`to` of a query, defaulting to the last 30 days up to today (UTC). */
export function resolveRange(query: { from?: string; to?: string }, now: Date, defaultDays = 30) {
  const to = query.to ?? utcDay(now.toISOString());
  const from = query.from ?? addDays(to, -(defaultDays - 1));
  if (from > to) {
    throw new ValidationError('from must not be after to.', [
      { path: 'from', message: `${from} is after ${to}` },
    ]);
  }
  if (daysBetween(from, to).length > MAX_ANALYTICS_DAYS) {
    throw new ValidationError(`The range may span at most ${MAX_ANALYTICS_DAYS} days.`, [
      { path: 'from', message: 'range too long' },
    ]);
  }
  return { from, to };
}

/** What a projection needs of a threshold to date its expected crossings (the alerting context's thresholds). */
export interface WatchedThreshold {
  thresholdId: string;
  type: 'absolute' | 'forecast' | 'percentage';
  period: 'daily' | 'weekly' | 'monthly';
  timezone: string;
  enabled: boolean;
  limitNano: number;
  warningPercent: number;
  emergencyPercent: number;
}

export interface ProjectionDeps {
  aggregates: AggregateReader;
  /** Port: a user's thresholds, wired to the alerting context by the composition root. */
  thresholds?: { listByUser(tenantId: string, userId: string): Promise<readonly WatchedThreshold[]> };
}

/** A user's spend projection to the end of the current UTC month, in domain terms. */
export interface ProjectionResult {
  userId: string;
  forecast: Forecast;
  period: Period;
  periodToDateNano: number;
  thresholdBreaches: { thresholdId: string; level: BreachLevel; expectedDate: string }[];
}

export interface AnalyticsDeps {
  aggregates: AggregateReader;
  cache: ExpiringStore;
  patterns: ExpiringStore;
}

/** Analytics of one user over a range, in domain terms (nano-USD); the mapper makes the contract shape. */
export interface AnalyticsResult {
  userId: string;
  from: string;
  to: string;
  summary: AnalyticsSummary;
  pattern: UsagePattern;
  /** The range's cost scaled to 30 days, and where it places the user among the industry's tiers. */
  monthlyNano: number;
  benchmark: ReturnType<typeof benchmarkPosition>;
  cached: boolean;
}

/**
 * Analytics of one user over a range, from the daily aggregates (cost grows with days, never
 * with events). Results are cached for 24 h under a key that includes the request counts of the
 * UTC months the range touches, so any new event in the range (a late one too) makes the next
 * read recompute instead of serving stale data.
 */
export async function getAnalytics(
  deps: AnalyticsDeps,
  tenantId: string,
  userId: string,
  query: { from?: string; to?: string; industry?: string },
  now: Date,
): Promise<AnalyticsResult> {
  const { from, to } = resolveRange(query, now);
  const industry = query.industry ?? DEFAULT_INDUSTRY;
  const months = await deps.aggregates.readPeriods(tenantId, userId, monthsOf(from, to));
  const version = months.map((m) => m?.requests ?? 0).join('.');
  const cacheKey = `analytics#${from}#${to}#${industry}#v${version}`;
  const cached = await deps.cache.get<AnalyticsResult>(tenantId, userId, cacheKey, now);
  if (cached) return { ...cached, from, to, cached: true };

  const summary = summarizeAnalytics(await deps.aggregates.readDays(tenantId, userId, from, to));
  const pattern = classifyPattern(summary.daily.map((d) => ({ date: d.date, costNano: d.costNano })));
  const monthlyNano = scaleNano(summary.totals.costNano, 30, daysBetween(from, to).length);
  const result: AnalyticsResult = {
    userId,
    from,
    to,
    summary,
    pattern,
    monthlyNano,
    benchmark: benchmarkPosition(monthlyNano, industry),
    cached: false,
  };
  await Promise.all([
    deps.cache.put(tenantId, userId, cacheKey, result, now, ANALYTICS_CACHE_TTL_SECONDS),
    deps.patterns.put(tenantId, userId, PATTERN_KEY, { from, to, ...pattern }, now, PATTERN_TTL_SECONDS),
  ]);
  return result;
}

/** The UTC months a range of days touches, in order. */
function monthsOf(from: string, to: string): Period[] {
  const months: Period[] = [];
  for (let day = from; day <= to; ) {
    const month = periodOf('monthly', `${day}T00:00:00.000Z`, 'UTC');
    months.push(month);
    day = month.end.slice(0, 10);
  }
  return months;
}

/** Spend projection to the end of the current UTC month and over `horizonDays`. */
export async function getProjections(
  deps: ProjectionDeps,
  tenantId: string,
  userId: string,
  horizonDays: number,
  now: Date,
): Promise<ProjectionResult> {
  const at = now.toISOString();
  const today = utcDay(at);
  const month = periodOf('monthly', at, 'UTC');
  const [history, periodTotals, thresholds] = await Promise.all([
    deps.aggregates.readDays(tenantId, userId, addDays(today, -55), today),
    deps.aggregates.readPeriods(tenantId, userId, [month]).then(([totals]) => totals),
    deps.thresholds?.listByUser(tenantId, userId) ?? [],
  ]);
  const dayStart = Date.parse(`${today}T00:00:00Z`);
  const forecast = forecastSpend({
    history: history.days.map((d) => ({ date: d.date, costNano: d.totals.costNano })),
    asOf: today,
    horizonDays,
    periodEnd: addDays(month.end.slice(0, 10), -1),
    periodToDateNano: periodTotals?.costNano ?? 0,
    asOfElapsedFraction: Math.max(1e-6, (now.getTime() - dayStart) / 86_400_000),
  });
  return {
    userId,
    forecast,
    period: month,
    periodToDateNano: periodTotals?.costNano ?? 0,
    thresholdBreaches: expectedCrossings(thresholds, forecast, periodTotals?.costNano ?? 0),
  };
}

function cachingSupported(modelId: string, at: string): boolean {
  try {
    return priceAt(resolveModel(modelId).model, at, 'in-region').rates.cacheReadNanoPerMTok !== null;
  } catch {
    return false;
  }
}

/** Optimisation advice from the last 30 days of the user's usage, with monthly savings. */
export async function getRecommendations(
  deps: { aggregates: AggregateReader },
  tenantId: string,
  userId: string,
  now: Date,
): Promise<Recommendation[]> {
  const at = now.toISOString();
  const { from, to } = resolveRange({}, now);
  const summary = summarizeAnalytics(await deps.aggregates.readDays(tenantId, userId, from, to));
  return recommend({
    // Usage of a model without a price yet gets no advice (nothing to compare it with).
    byModel: summary.byModel.filter((m) => tryResolveModel(m.modelId) !== undefined),
    byOperation: summary.byOperation,
    windowDays: 30,
    pricer: (modelId, usage) => priceUsage({ modelId, usage, at }).costNano,
    cheaperAlternatives: DEFAULT_DOWNGRADE_MAP,
    cachingSupported: (modelId) => cachingSupported(modelId, at),
  });
}

/**
 * When the month's expected cumulative spend reaches each level of the user's enabled monthly UTC
 * absolute and forecast thresholds (the projection is of the UTC month; other periods and zones
 * are not projected here).
 */
function expectedCrossings(
  thresholds: readonly WatchedThreshold[],
  forecast: Forecast,
  periodToDateNano: number,
) {
  const out: { thresholdId: string; level: BreachLevel; expectedDate: string }[] = [];
  for (const t of thresholds) {
    if (!t.enabled || t.period !== 'monthly' || t.timezone !== 'UTC' || t.type === 'percentage') continue;
    const percents: [BreachLevel, number][] = [
      ['warning', t.warningPercent],
      ['critical', 100],
      ['emergency', t.emergencyPercent],
    ];
    for (const [level, percent] of percents) {
      const expectedDate = firstCrossingDate(forecast, periodToDateNano, t.limitNano, percent);
      if (expectedDate) out.push({ thresholdId: t.thresholdId, level, expectedDate });
    }
  }
  return out;
}
