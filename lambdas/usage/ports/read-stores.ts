import type { AnalyticsInput, Benchmark, Period, UsageCounters } from '@cost-management/core';
import type { UsageRecord } from './usage-store.js';

/** Port: reads of the per-user aggregates. Cost grows with days in the range, never with events. */
export interface AggregateReader {
  readDays(tenantId: string, userId: string, from: string, to: string): Promise<AnalyticsInput>;
  /** Totals of periods, in order; undefined where nothing was recorded. */
  readPeriods(
    tenantId: string,
    userId: string,
    periods: readonly Period[],
  ): Promise<(UsageCounters | undefined)[]>;
}

/** A user's totals over a range of days. */
export interface UserTotals {
  userId: string;
  costNano: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/** Port: the users of a tenant with usage in a range of UTC days, with their totals (any order). */
export interface TenantUsageReader {
  usersInRange(tenantId: string, from: string, to: string): Promise<UserTotals[]>;
}

/**
 * Port: where each user stands outside the usage context, wired by the composition root to the
 * control context (cost-control level) and the alerting context (open breaches).
 */
export interface UserStandingReader {
  /** The control level in force of each given user that has cost control configured. */
  controlLevels(tenantId: string, userIds: readonly string[], now: Date): Promise<Map<string, string>>;
  /** The number of open breaches of each user of the tenant that has any. */
  openBreaches(tenantId: string): Promise<Map<string, number>>;
}

export interface RecordPage {
  records: UsageRecord[];
  /** Opaque; pass it back to get the next page. Absent on the last page. */
  nextCursor?: string;
}

/** Port: raw usage records of one user, in time order, a page at a time. */
export interface UsageRecordReader {
  listRecords(
    tenantId: string,
    userId: string,
    range: { from: string; to: string },
    page: { limit: number; cursor?: string },
  ): Promise<RecordPage>;
}

/** Port: a small per-user key-value store whose entries expire (analytics cache, usage patterns). */
export interface ExpiringStore {
  get<T>(tenantId: string, userId: string, key: string, now: Date): Promise<T | undefined>;
  put(
    tenantId: string,
    userId: string,
    key: string,
    value: unknown,
    now: Date,
    ttlSeconds: number,
  ): Promise<void>;
}

/** Port: industry benchmark reference data. */
export interface BenchmarkStore {
  list(filter: { industry?: string; tier?: string }): Promise<Benchmark[]>;
  seed(benchmarks: readonly Benchmark[]): Promise<void>;
}

/** One model's usage recorded without a price (the tenant's summary plus its first and last event). */
export interface UnpricedUsage {
  modelId: string;
  events: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  firstSeen: string | null;
  lastSeen: string | null;
}
