import type { ScheduledEvent } from 'aws-lambda';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { emitGapMetric, logGapAlert } from '../usage/adapters/operator-gap-alert.js';
import { accountTenants, parseTenantMap } from '../usage/use-cases/capture-invocation-logs.js';
import { type BillReconciliationSummary, reconcileBill } from '../usage/use-cases/reconcile-bill.js';
import { billReader, reconciliationStore, trackedCosts } from '../usage/wiring.js';
import { spec } from './reconciliation-environment.js';

const env = loadEnvironment(spec);
const deps = {
  bill: billReader(),
  tracked: trackedCosts(env),
  store: reconciliationStore(env),
  alert: logGapAlert,
  gapMetric: emitGapMetric,
};
const config = {
  accounts: accountTenants(parseTenantMap(env.CAPTURE_TENANTS)),
  services: JSON.parse(env.RECONCILE_SERVICES) as string[],
  thresholdPercent: env.RECONCILE_THRESHOLD_PERCENT,
  days: env.RECONCILE_DAYS,
  lagDays: env.RECONCILE_LAG_DAYS,
};

/**
 * Daily schedule target: reconciles each mapped account's bill with its tenant's tracked usage.
 * An account that failed (Cost Explorer, DynamoDB) fails the invocation after the others ran, so
 * the schedule's retries and the error alarm see it.
 */
export const handler = async (_event?: Partial<ScheduledEvent>): Promise<BillReconciliationSummary> => {
  if (config.accounts.length === 0) {
    logger.warn('no account is mapped to a tenant (captureTenants): nothing to reconcile');
  }
  const summary = await reconcileBill(deps, config, new Date());
  for (const run of summary.runs) {
    if (run.status === 'failed') {
      logger.error('reconciliation failed', {
        account: run.account,
        tenantId: run.tenantId,
        error: run.error,
      });
      continue;
    }
    logger.info('reconciled', { from: summary.from, to: summary.to, ...run });
    if (run.unmappedUsageTypes.length > 0) {
      logger.warn('billed usage types of models the catalog mapping does not know', {
        account: run.account,
        usageTypes: run.unmappedUsageTypes,
      });
    }
  }
  const failed = summary.runs.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    throw new Error(`reconciliation failed for account(s) ${failed.map((r) => r.account).join(', ')}`);
  }
  return summary;
};
