import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { toUsd } from '@cost-management/core';
import type { UsageRecord } from '../usage/ports/usage-store.js';
import type { IngestReactor } from '../usage/use-cases/track-usage.js';
import { BUSINESS_METRICS } from './metric-names.js';

let instance: Metrics | undefined;

/**
 * Powertools Metrics (EMF on stdout, which CloudWatch turns into metrics) in the namespace and
 * service the function's environment names. Created on first use; the local runtime and the
 * tests turn it off with POWERTOOLS_METRICS_DISABLED.
 */
function metrics(): Metrics {
  instance ??= new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CostManagement',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cost-management',
  });
  return instance;
}

/** Adds business metrics and publishes them at once (one EMF line). */
export function emitMetrics(values: Partial<Record<keyof typeof BUSINESS_METRICS, number>>): void {
  const m = metrics();
  let any = false;
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === 0) continue;
    const unit = key === 'trackedCostUsd' ? MetricUnit.NoUnit : MetricUnit.Count;
    m.addMetric(BUSINESS_METRICS[key as keyof typeof BUSINESS_METRICS], unit, value);
    any = true;
  }
  if (any) m.publishStoredMetrics();
}

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
