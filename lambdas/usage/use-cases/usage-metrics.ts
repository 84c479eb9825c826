import { toUsd } from '@cost-management/core';
import { emitMetrics } from '../../platform/metrics.js';
import type { IngestReactor } from '../ports/ingest-reactor.js';
import type { UsageRecord } from '../ports/usage-store.js';

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
