import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
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

/** One business metric with a `modelId` dimension, published at once (one EMF line). */
export function emitModelMetric(key: keyof typeof BUSINESS_METRICS, modelId: string, value: number): void {
  if (value === 0) return;
  const single = metrics().singleMetric();
  single.addDimension('modelId', modelId);
  single.addMetric(BUSINESS_METRICS[key], MetricUnit.Count, value);
}
