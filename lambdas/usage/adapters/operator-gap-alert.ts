import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type ReconciliationReport, toUsd } from '@cost-management/core';
import { logger } from '../../platform/logger.js';
import { RECONCILIATION_GAP_METRIC } from '../../platform/metric-names.js';
import type { GapAlert, GapMetric } from '../ports/reconciliation.js';

/** The metric an operator alarm watches: the unexplained gap of a run, in percent of the bill. */
export { RECONCILIATION_GAP_METRIC };

/** The error log line of a gap above its threshold: figures only, never a call or a user. */
export const logGapAlert: GapAlert = async (tenantId, report) => {
  logger.error('Reconciliation gap exceeds its threshold', {
    tenantId,
    thresholdPercent: report.thresholdPercent,
    trackedUsd: toUsd(report.totals.trackedNano),
    billedUsd: toUsd(report.totals.billedNano),
    gapUsd: toUsd(report.totals.gapNano),
    gapPercent: report.totals.gapPercent,
  });
};

/**
 * Publishes the `ReconciliationGap` metric of one run (EMF, namespace `CostManagement`, unit
 * Percent): the absolute unexplained gap, which the deployed alarm compares with the threshold.
 */
export const emitGapMetric: GapMetric = (_tenantId: string, report: ReconciliationReport) => {
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CostManagement',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cost-management',
  });
  metrics.addMetric(RECONCILIATION_GAP_METRIC, MetricUnit.Percent, Math.abs(report.totals.gapPercent));
  metrics.publishStoredMetrics();
};

/**
 * The operators' alert for a reconciliation gap above its threshold: the error log line and the
 * `ReconciliationGap` metric. The scheduled reconciliation publishes the metric on every run
 * instead, and uses {@link logGapAlert} alone.
 */
export function operatorGapAlert(): GapAlert {
  return async (tenantId, report) => {
    await logGapAlert(tenantId, report);
    emitGapMetric(tenantId, report);
  };
}
