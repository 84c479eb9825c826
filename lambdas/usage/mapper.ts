import {
  type Benchmark,
  EXPORT_CSV_HEADER,
  EXPORT_CSV_LINE_END,
  toCsvRow,
  toUsd,
} from '@cost-management/core';
import type { HttpResult } from '../platform/http.js';
import type { RecordPage } from './ports/read-stores.js';

/** Benchmark reference rows in the contract's shape (dollars). */
export function toBenchmarkItems(items: readonly Benchmark[]) {
  return items.map(({ monthlyCostNano: c, avgCostPerRequestNano, ...rest }) => ({
    ...rest,
    monthlyCostUsd: { p25: toUsd(c.p25), p50: toUsd(c.p50), p75: toUsd(c.p75), p90: toUsd(c.p90) },
    avgCostPerRequestUsd: toUsd(avgCostPerRequestNano),
  }));
}

type Range = { from: string; to: string };

/** One export page as CSV; the next page's cursor rides in `x-next-cursor`. */
export function toExportCsv(userId: string, range: Range, page: RecordPage): HttpResult {
  const lines = [EXPORT_CSV_HEADER, ...page.records.map((r) => toCsvRow(r))];
  return {
    status: 200,
    rawBody: lines.join(EXPORT_CSV_LINE_END) + EXPORT_CSV_LINE_END,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="usage-${userId}-${range.from}-${range.to}.csv"`,
      ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
    },
  };
}

/** One export page as JSON. */
export function toExportJson(userId: string, range: Range, page: RecordPage) {
  return {
    userId,
    ...range,
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
