import { ExportQuery, UserId } from '@cost-management/contract';
import { EXPORT_CSV_HEADER, EXPORT_CSV_LINE_END, toCsvRow, toUsd } from '@cost-management/core';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith, pathParam } from '../shared/http-handler.js';
import { resolveRange } from '../shared/use-cases/read-usage.js';
import { usageRecordReader } from '../shared/wiring.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const reader = usageRecordReader(env);

/** One page per call (at most `limit` records): memory never grows with the range. */
export const handler = httpHandler(async (request) => {
  const userId = pathParam(request, 'userId', UserId);
  const query = parseWith(ExportQuery, request.query);
  const range = resolveRange(query, new Date());
  const page = await reader.listRecords(request.tenantId, userId, range, {
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  if (query.format === 'csv') {
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
  return json(200, {
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
  });
});
