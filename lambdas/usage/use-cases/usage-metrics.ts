import { toUsd } from '@cost-management/core';
import { logger } from '../../platform/logger.js';
import { emitMetrics, emitModelMetric } from '../../platform/metrics.js';
import type { IngestReactor } from '../ports/ingest-reactor.js';
import { isPriced, type UsageRecord } from '../ports/usage-store.js';

function sum(records: UsageRecord[], pick: (r: UsageRecord) => number): number {
  return records.reduce((total, r) => total + pick(r), 0);
}

/** Ingest reactor: tracked cost and tokens of the newly recorded events (never replays). */
export const usageMetricsReactor: IngestReactor = async (_tenantId, recorded) => {
  emitMetrics({
    trackedCostUsd: toUsd(sum(recorded, (r) => r.costNano)),
    inputTokens: sum(recorded, (r) => r.inputTokens),
    outputTokens: sum(recorded, (r) => r.outputTokens),
    cacheReadInputTokens: sum(recorded, (r) => r.cacheReadInputTokens),
    cacheWriteInputTokens: sum(recorded, (r) => r.cacheWriteInputTokens),
  });
};

/** Models whose unpriced usage this process has already logged (one warning per model). */
const warnedModels = new Set<string>();

/**
 * Ingest reactor: newly recorded events without a price, counted per model and in total
 * (`UnpricedEvents` with and without a `modelId` dimension); the first one of each model in this process is logged as a warning.
 */
export const unpricedMetricsReactor: IngestReactor = async (tenantId, recorded) => {
  const perModel = new Map<string, number>();
  for (const record of recorded) {
    if (isPriced(record)) continue;
    perModel.set(record.modelId, (perModel.get(record.modelId) ?? 0) + 1);
    if (!warnedModels.has(record.modelId)) {
      warnedModels.add(record.modelId);
      logger.warn('usage recorded without a price', {
        tenantId,
        modelId: record.modelId,
        requestedModelId: record.requestedModelId,
        requestId: record.requestId,
      });
    }
  }
  for (const [modelId, count] of perModel) emitModelMetric('unpricedEvents', modelId, count);
  // The total without the model dimension: one metric the unpriced-usage alarm can watch.
  emitMetrics({ unpricedEvents: [...perModel.values()].reduce((a, b) => a + b, 0) });
};
