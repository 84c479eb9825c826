import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { toUsd } from '@cost-management/core';
import { logger } from '../../platform/logger.js';
import type { GapAlert } from '../ports/reconciliation.js';

/** The metric an operator alarm watches: the unexplained gap of a run, in percent of the bill. */
export const RECONCILIATION_GAP_METRIC = 'ReconciliationGap';

/**
 * The operators' alert for a reconciliation gap: an error log line and the `ReconciliationGap`
 * metric (EMF, namespace `CostManagement`), which the deployed alarm watches.
 */
export function operatorGapAlert(): GapAlert {
  return async (tenantId, report) => {
    logger.error('Reconciliation gap exceeds its threshold', {
      tenantId,
      thresholdPercent: report.thresholdPercent,
      trackedUsd: toUsd(report.totals.trackedNano),
      billedUsd: toUsd(report.totals.billedNano),
      gapUsd: toUsd(report.totals.gapNano),
      gapPercent: report.totals.gapPercent,
    });
    const metrics = new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CostManagement',
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cost-management',
    });
    metrics.addMetric(RECONCILIATION_GAP_METRIC, MetricUnit.Percent, Math.abs(report.totals.gapPercent));
    metrics.publishStoredMetrics();
  };
}
