import {
  type Benchmark,
  EXPORT_CSV_HEADER,
  EXPORT_CSV_LINE_END,
  type Recommendation,
  type RetentionCoverage,
  toCsvRow,
  toUsd,
  type UsageCounters,
} from '@cost-management/core';
import { toErrorResponse } from '../platform/error-map.js';
import { IdempotencyConflictError } from '../platform/errors.js';
import type { HttpResult } from '../platform/http.js';
import type { RecordPage, UnpricedUsage } from './ports/read-stores.js';
import { isPriced, type UsageRecord } from './ports/usage-store.js';
import type { ImportSummary } from './use-cases/import-invocation-logs.js';
import type { TenantUsersPage } from './use-cases/list-tenant-users.js';
import type { AnalyticsResult, ProjectionResult } from './use-cases/read-usage.js';
import type { StoredReconciliation } from './use-cases/reconcile.js';
import type { TrackOutcome } from './use-cases/track-usage.js';

/**
 * The answer for a recorded event (`duplicate` for a replay of its requestId); `redacted` names
 * the free-text fields of the request whose personal data was replaced.
 */
export function toTrackUsageResponse(record: UsageRecord, duplicate: boolean, redacted: readonly string[]) {
  const priced = isPriced(record);
  return {
    requestId: record.requestId,
    userId: record.userId,
    modelId: record.modelId,
    timestamp: record.timestamp,
    priced,
    costUsd: priced ? toUsd(record.costNano) : null,
    breakdown: priced
      ? {
          inputUsd: toUsd(record.breakdown.inputNano),
          outputUsd: toUsd(record.breakdown.outputNano),
          cacheReadUsd: toUsd(record.breakdown.cacheReadNano),
          cacheWriteUsd: toUsd(record.breakdown.cacheWriteNano),
        }
      : null,
    priceVersion: priced ? record.priceVersion : null,
    duplicate,
    redacted: [...redacted],
  };
}

/** The tenant's unpriced usage by model, in the contract's shape. */
/** `GET /users`: dollars from nano-dollars; the control level as the control context names it. */
export function toTenantUsersResponse(page: TenantUsersPage) {
  return {
    items: page.items.map((u) => ({
      userId: u.userId,
      costUsd: toUsd(u.costNano),
      requests: u.requests,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      controlLevel: u.controlLevel as 'normal' | 'light' | 'moderate' | 'severe' | 'shutdown' | null,
      openBreaches: u.openBreaches,
    })),
    nextCursor: page.nextCursor ?? null,
  };
}

export function toUnpricedResponse(items: readonly UnpricedUsage[]) {
  return {
    items: items.map((u) => ({
      modelId: u.modelId,
      events: u.events,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      cacheReadInputTokens: u.cacheReadInputTokens,
      cacheWriteInputTokens: u.cacheWriteInputTokens,
      firstSeen: u.firstSeen,
      lastSeen: u.lastSeen,
    })),
  };
}

/** One error answer through the one error map; a failure that is not the caller's propagates. */
function errorItem(requestId: string | null, error: unknown) {
  const mapped = toErrorResponse(error);
  if (mapped.status >= 500) throw error;
  return {
    requestId,
    status: mapped.status,
    error: {
      code: mapped.code,
      message: mapped.message,
      ...(mapped.details.length > 0 ? { details: mapped.details } : {}),
    },
  };
}

/** One event's outcome as a batch item: its status and answer, or its error envelope. */
export function toBatchItem(outcome: TrackOutcome) {
  switch (outcome.kind) {
    case 'recorded':
      return { status: 201, ...toTrackUsageResponse(outcome.record, false, outcome.redacted) };
    case 'duplicate':
      return { status: 200, ...toTrackUsageResponse(outcome.record, true, outcome.redacted) };
    case 'conflict':
      return errorItem(outcome.requestId, new IdempotencyConflictError(outcome.requestId));
    default:
      return errorItem(outcome.requestId, outcome.error);
  }
}

/** Benchmark reference rows in the contract's shape (dollars). */
export function toBenchmarkItems(items: readonly Benchmark[]) {
  return items.map(({ monthlyCostNano: c, avgCostPerRequestNano, ...rest }) => ({
    ...rest,
    monthlyCostUsd: { p25: toUsd(c.p25), p50: toUsd(c.p50), p75: toUsd(c.p75), p90: toUsd(c.p90) },
    avgCostPerRequestUsd: toUsd(avgCostPerRequestNano),
  }));
}

type Range = { from: string; to: string };

/** One export page as CSV; the next page's cursor rides in `x-next-cursor`, the retention in its own headers. */
export function toExportCsv(
  userId: string,
  range: Range,
  page: RecordPage,
  retention?: RetentionCoverage,
): HttpResult {
  const lines = [EXPORT_CSV_HEADER, ...page.records.map((r) => toCsvRow(r))];
  return {
    status: 200,
    rawBody: lines.join(EXPORT_CSV_LINE_END) + EXPORT_CSV_LINE_END,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="usage-${userId}-${range.from}-${range.to}.csv"`,
      ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
      ...(retention
        ? {
            'x-retention-first-retained-day': retention.firstRetainedDay,
            'x-retention-range-before': String(retention.rangeBeforeRetention),
          }
        : {}),
    },
  };
}

/** One export page as JSON. */
export function toExportJson(userId: string, range: Range, page: RecordPage, retention?: RetentionCoverage) {
  return {
    userId,
    ...range,
    ...(retention ? { retention } : {}),
    items: page.records.map((r) => ({
      timestamp: r.timestamp,
      requestId: r.requestId,
      userId: r.userId,
      modelId: r.modelId,
      operation: r.operation ?? null,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      cacheReadInputTokens: r.cacheReadInputTokens,
      cacheWriteInputTokens: r.cacheWriteInputTokens,
      costUsd: toUsd(r.costNano),
      priceVersion: r.priceVersion,
      ...(r.tags ? { tags: r.tags } : {}),
    })),
    nextCursor: page.nextCursor ?? null,
  };
}

const usd = (c: UsageCounters) => ({
  requests: c.requests,
  inputTokens: c.inputTokens,
  outputTokens: c.outputTokens,
  cacheReadInputTokens: c.cacheReadInputTokens,
  cacheWriteInputTokens: c.cacheWriteInputTokens,
  costUsd: toUsd(c.costNano),
});

/** `GET /analytics/{userId}`. */
export function toAnalyticsResponse(result: AnalyticsResult, retention?: RetentionCoverage) {
  const { summary, pattern } = result;
  return {
    userId: result.userId,
    from: result.from,
    to: result.to,
    totals: usd(summary.totals),
    cacheHitRate: summary.cacheHitRate,
    daily: summary.daily.map(({ date, ...c }) => ({ date, ...usd(c) })),
    byModel: summary.byModel.map(({ modelId, ...c }) => ({ modelId, ...usd(c) })),
    byOperation: summary.byOperation.map(({ operation, ...c }) => ({ operation, ...usd(c) })),
    pattern: { type: pattern.type, confidence: pattern.confidence },
    benchmark: { ...result.benchmark, monthlyCostUsd: toUsd(result.monthlyNano) },
    cached: result.cached,
    ...(retention ? { retention } : {}),
  };
}

/** `GET /projections/{userId}`. */
export function toProjectionsResponse(result: ProjectionResult) {
  const { forecast, period } = result;
  return {
    userId: result.userId,
    method: forecast.method,
    confidence: forecast.confidence,
    period: { kind: period.kind, timezone: period.timezone, start: period.start, end: period.end },
    periodToDateUsd: toUsd(result.periodToDateNano),
    projectedPeriodEndUsd: toUsd(forecast.projectedPeriodEndNano),
    projectedPeriodEndLowerUsd: toUsd(forecast.projectedPeriodEndLowerNano),
    projectedPeriodEndUpperUsd: toUsd(forecast.projectedPeriodEndUpperNano),
    daily: forecast.daily.map((d) => ({
      date: d.date,
      expectedUsd: toUsd(d.expectedNano),
      lowerUsd: toUsd(d.lowerNano),
      upperUsd: toUsd(d.upperNano),
    })),
    thresholdBreaches: result.thresholdBreaches,
  };
}

/** `GET /recommendations/{userId}`. */
export function toRecommendationsResponse(items: readonly Recommendation[]) {
  return {
    items: items.map(({ estimatedMonthlySavingsNano, ...rest }) => ({
      ...rest,
      estimatedMonthlySavingsUsd: toUsd(estimatedMonthlySavingsNano),
    })),
  };
}

/** The answer of `POST /invocation-logs`: counts, and each rejected or skipped record with its reason. */
export function toInvocationLogsResponse(summary: ImportSummary) {
  return {
    recorded: summary.recorded,
    duplicates: summary.duplicates,
    unattributed: summary.unattributed,
    rejected: summary.rejected.map((item) => {
      if ('message' in item) return { index: item.index, message: item.message };
      const { error } = errorItem(null, item.error);
      const details = (error.details ?? []).map((d) => `${d.path}: ${d.message}`).join('; ');
      return { index: item.index, message: details ? `${error.message} (${details})` : error.message };
    }),
    skipped: summary.skipped,
    redacted: summary.redacted,
  };
}

/** The answer of `GET /reconciliation`: stored rows and their totals, in dollars. */
export function toReconciliationResponse(result: StoredReconciliation) {
  const money = (f: { trackedNano: number; billedNano: number; gapNano: number; gapPercent: number }) => ({
    trackedUsd: toUsd(f.trackedNano),
    billedUsd: toUsd(f.billedNano),
    gapUsd: toUsd(f.gapNano),
    gapPercent: f.gapPercent,
  });
  return {
    items: result.rows.map((r) => ({ date: r.date, region: r.region, modelId: r.modelId, ...money(r) })),
    totals: money(result.totals),
  };
}
