import { ValidationError } from './errors.js';
import { addNano, type NanoUsd } from './money.js';

/**
 * Counts kept per aggregate item (a user's day total, or one model or operation on that day).
 * Every field is an integer; `costNano` is nano-USD.
 */
export interface UsageCounters {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  costNano: NanoUsd;
}

/** The longest range, in days (both ends included), that one summary covers. */
export const MAX_ANALYTICS_DAYS = 366;

const MS_PER_DAY = 86_400_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const COUNT_FIELDS = [
  'requests',
  'inputTokens',
  'outputTokens',
  'cacheReadInputTokens',
  'cacheWriteInputTokens',
] as const;

/** Counters with every field zero. */
export function emptyCounters(): UsageCounters {
  return {
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    costNano: 0,
  };
}

function addCount(a: number, b: number, field: string): number {
  const sum = a + b;
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || !Number.isSafeInteger(sum)) {
    throw new ValidationError(`${field} is not an exact integer count`, [
      { path: field, message: `cannot add ${a} and ${b} exactly` },
    ]);
  }
  return sum;
}

/**
 * Field-wise exact sum of two counters. Throws `ValidationError` when a count is not a safe
 * integer (or the sum would leave that range), and `MoneyRangeError` for the cost.
 */
export function addCounters(a: UsageCounters, b: UsageCounters): UsageCounters {
  const result = emptyCounters();
  for (const field of COUNT_FIELDS) {
    result[field] = addCount(a[field], b[field], field);
  }
  result.costNano = addNano(a.costNano, b.costNano);
  return result;
}

function parseDay(value: string, path: string): number {
  const match = DAY_PATTERN.exec(value);
  if (match) {
    const [, y, m, d] = match;
    const ms = Date.UTC(Number(y), Number(m) - 1, Number(d));
    // Date.UTC rolls 2026-02-30 over to March; a real calendar day round-trips unchanged.
    if (new Date(ms).toISOString().slice(0, 10) === value) return ms;
  }
  throw new ValidationError(`${path} must be a calendar day YYYY-MM-DD`, [
    { path, message: `'${value}' is not a valid YYYY-MM-DD day` },
  ]);
}

/**
 * Every UTC calendar day from `from` to `to`, both included, ascending, as `YYYY-MM-DD`.
 * Throws `ValidationError` when a bound is not a calendar day, when `from` is after `to`,
 * or when the range holds more than {@link MAX_ANALYTICS_DAYS} days.
 */
export function eachDay(from: string, to: string): string[] {
  const start = parseDay(from, 'from');
  const end = parseDay(to, 'to');
  if (start > end) {
    throw new ValidationError('from must not be after to', [
      { path: 'from', message: `${from} is after ${to}` },
    ]);
  }
  const count = (end - start) / MS_PER_DAY + 1;
  if (count > MAX_ANALYTICS_DAYS) {
    throw new ValidationError(`a range covers at most ${MAX_ANALYTICS_DAYS} days`, [
      { path: 'to', message: `${from}..${to} covers ${count} days` },
    ]);
  }
  const days: string[] = [];
  for (let i = 0; i < count; i++) {
    days.push(new Date(start + i * MS_PER_DAY).toISOString().slice(0, 10));
  }
  return days;
}

/** The aggregate items of one user over a range, as read from the analytics table. */
export interface AnalyticsInput {
  /** First day, `YYYY-MM-DD` (UTC), included. */
  from: string;
  /** Last day, `YYYY-MM-DD` (UTC), included. */
  to: string;
  days: { date: string; totals: UsageCounters }[];
  byModel: { date: string; modelId: string; counters: UsageCounters }[];
  byOperation: { date: string; operation: string; counters: UsageCounters }[];
}

export type DailyUsage = { date: string } & UsageCounters;
export type ModelUsageSummary = { modelId: string } & UsageCounters;
export type OperationUsageSummary = { operation: string } & UsageCounters;

export interface AnalyticsSummary {
  totals: UsageCounters;
  /** Cache reads over all input (non-cached + cache read + cache write), 4 decimals; 0 without input. */
  cacheHitRate: number;
  /** One entry per day of the range, ascending, zero-filled. */
  daily: DailyUsage[];
  /** Summed over the range, most expensive first, ties by id. */
  byModel: ModelUsageSummary[];
  /** Summed over the range, most expensive first, ties by name. */
  byOperation: OperationUsageSummary[];
}

/** Share of input tokens served from the prompt cache, rounded to 4 decimals; 0 when there is no input. */
export function cacheHitRate(counters: UsageCounters): number {
  const allInput = counters.inputTokens + counters.cacheReadInputTokens + counters.cacheWriteInputTokens;
  if (allInput === 0) return 0;
  return Math.round((counters.cacheReadInputTokens / allInput) * 10_000) / 10_000;
}

function groupWithinRange<T>(
  items: readonly T[],
  inRange: ReadonlySet<string>,
  dateOf: (item: T) => string,
  keyOf: (item: T) => string,
  countersOf: (item: T) => UsageCounters,
): Map<string, UsageCounters> {
  const groups = new Map<string, UsageCounters>();
  for (const item of items) {
    if (!inRange.has(dateOf(item))) continue;
    const key = keyOf(item);
    groups.set(key, addCounters(groups.get(key) ?? emptyCounters(), countersOf(item)));
  }
  return groups;
}

function byCostThenKey(a: [string, UsageCounters], b: [string, UsageCounters]): number {
  if (a[1].costNano !== b[1].costNano) return b[1].costNano - a[1].costNano;
  // Keys of one map are distinct, so they never compare equal.
  return a[0] < b[0] ? -1 : 1;
}

/**
 * Summarises a user's aggregate items over `from..to` (UTC days, both included).
 * Items dated outside the range are ignored; several items for the same day (or day and
 * model/operation) are added together. Totals and the cache hit rate come from the day
 * totals; `byModel`/`byOperation` from their own lines.
 */
export function summarizeAnalytics(input: AnalyticsInput): AnalyticsSummary {
  const days = eachDay(input.from, input.to);
  const inRange = new Set(days);
  const perDay = groupWithinRange(
    input.days,
    inRange,
    (d) => d.date,
    (d) => d.date,
    (d) => d.totals,
  );
  const daily = days.map((date) => ({ date, ...(perDay.get(date) ?? emptyCounters()) }));
  const totals = daily.reduce<UsageCounters>((sum, day) => addCounters(sum, day), emptyCounters());
  const models = groupWithinRange(
    input.byModel,
    inRange,
    (m) => m.date,
    (m) => m.modelId,
    (m) => m.counters,
  );
  const operations = groupWithinRange(
    input.byOperation,
    inRange,
    (o) => o.date,
    (o) => o.operation,
    (o) => o.counters,
  );
  return {
    totals,
    cacheHitRate: cacheHitRate(totals),
    daily,
    byModel: [...models].sort(byCostThenKey).map(([modelId, c]) => ({ modelId, ...c })),
    byOperation: [...operations].sort(byCostThenKey).map(([operation, c]) => ({ operation, ...c })),
  };
}
