import * as z from 'zod/mini';
import { IsoDay, UsdOut } from './primitives.js';

const Counters = {
  requests: z.int(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  cacheReadInputTokens: z.int(),
  cacheWriteInputTokens: z.int(),
  costUsd: UsdOut,
};

export const Industry = z.enum(['hospitality', 'saas', 'ecommerce']);
export const BenchmarkTier = z.enum(['starter', 'professional', 'enterprise']);

export const AnalyticsQuery = z.strictObject({
  from: z.optional(IsoDay),
  to: z.optional(IsoDay),
  industry: z.optional(Industry),
});

/**
 * How the range asked for stands against the tenant's retention of raw usage records: records
 * before `firstRetainedDay` have expired. Analytics are computed from aggregates, which are kept,
 * so their figures stay complete; an export lists raw records and has none before that day.
 * A CSV export carries the same in the headers `x-retention-first-retained-day` and
 * `x-retention-range-before`.
 */
export const RetentionNote = z.object({
  usageDays: z.int(),
  firstRetainedDay: z.string(),
  rangeBeforeRetention: z.boolean(),
});
export type RetentionNote = z.infer<typeof RetentionNote>;

export const AnalyticsResponse = z.object({
  userId: z.string(),
  from: z.string(),
  to: z.string(),
  totals: z.object(Counters),
  cacheHitRate: z.number(),
  daily: z.array(z.object({ date: z.string(), ...Counters })),
  byModel: z.array(z.object({ modelId: z.string(), ...Counters })),
  byOperation: z.array(z.object({ operation: z.string(), ...Counters })),
  pattern: z.object({
    type: z.enum(['steady', 'growing', 'declining', 'spiky', 'seasonal', 'insufficient_data']),
    confidence: z.number(),
  }),
  benchmark: z.object({
    tier: BenchmarkTier,
    industry: Industry,
    percentile: z.number(),
    monthlyCostUsd: UsdOut,
  }),
  cached: z.boolean(),
  retention: z.optional(RetentionNote),
});
export type AnalyticsResponse = z.infer<typeof AnalyticsResponse>;

export const ProjectionsQuery = z.strictObject({
  horizonDays: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(366)), 30),
});

export const ProjectionsResponse = z.object({
  userId: z.string(),
  method: z.string(),
  confidence: z.number(),
  period: z.object({ kind: z.string(), timezone: z.string(), start: z.string(), end: z.string() }),
  periodToDateUsd: UsdOut,
  projectedPeriodEndUsd: UsdOut,
  projectedPeriodEndLowerUsd: UsdOut,
  projectedPeriodEndUpperUsd: UsdOut,
  daily: z.array(z.object({ date: z.string(), expectedUsd: UsdOut, lowerUsd: UsdOut, upperUsd: UsdOut })),
  thresholdBreaches: z.array(
    z.object({
      thresholdId: z.string(),
      level: z.enum(['warning', 'critical', 'emergency']),
      expectedDate: z.string(),
    }),
  ),
});
export type ProjectionsResponse = z.infer<typeof ProjectionsResponse>;

export const RecommendationsResponse = z.object({
  items: z.array(
    z.object({
      type: z.enum(['model_downgrade', 'prompt_caching', 'batch_inference', 'output_reduction']),
      title: z.string(),
      description: z.string(),
      estimatedMonthlySavingsUsd: UsdOut,
      confidence: z.number(),
      modelId: z.optional(z.string()),
    }),
  ),
});
export type RecommendationsResponse = z.infer<typeof RecommendationsResponse>;

export const BenchmarksQuery = z.strictObject({
  industry: z.optional(Industry),
  tier: z.optional(BenchmarkTier),
});

const Quartiles = z.object({ p25: UsdOut, p50: UsdOut, p75: UsdOut, p90: UsdOut });
export const BenchmarksResponse = z.object({
  items: z.array(
    z.object({
      industry: Industry,
      tier: BenchmarkTier,
      description: z.string(),
      monthlyCostUsd: Quartiles,
      monthlyRequests: z.object({ p25: z.number(), p50: z.number(), p75: z.number() }),
      avgCostPerRequestUsd: UsdOut,
      typicalModels: z.array(z.string()),
      source: z.string(),
    }),
  ),
});
export type BenchmarksResponse = z.infer<typeof BenchmarksResponse>;

export const ExportResponse = z.object({
  userId: z.string(),
  from: z.string(),
  to: z.string(),
  retention: z.optional(RetentionNote),
  items: z.array(
    z.object({
      timestamp: z.string(),
      requestId: z.string(),
      userId: z.string(),
      modelId: z.string(),
      operation: z.nullable(z.string()),
      inputTokens: z.int(),
      outputTokens: z.int(),
      cacheReadInputTokens: z.int(),
      cacheWriteInputTokens: z.int(),
      costUsd: UsdOut,
      priceVersion: z.string(),
      tags: z.optional(z.record(z.string(), z.string())),
    }),
  ),
  nextCursor: z.nullable(z.string()),
});
export type ExportResponse = z.infer<typeof ExportResponse>;
