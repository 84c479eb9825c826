import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';
import {
  DEFAULT_BILLED_SERVICES,
  DEFAULT_RECONCILE_DAYS,
  DEFAULT_RECONCILE_LAG_DAYS,
} from '../usage/use-cases/reconcile-bill.js';
import { CAPTURE_TENANTS_ENV } from './invocation-logs-environment.js';

const isServiceList = (text: string): boolean => {
  try {
    const value: unknown = JSON.parse(text);
    return (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((s) => typeof s === 'string' && s.trim() !== '' && s.length <= 256)
    );
  } catch {
    return false;
  }
};

export const spec = defineFunction({
  name: 'reconciliation',
  description:
    "Daily: compares each mapped account's Amazon Bedrock bill (Cost Explorer GetCostAndUsage, daily, by usage type and Region) with what its tenant's usage was priced at, stores the rows for GET /reconciliation and publishes the ReconciliationGap metric.",
  tables: {
    // The tenant's day aggregates, summed per day and model (a daily batch, not a request path).
    tokenAnalytics: ['Scan'],
    // Reconciliation rows, under their own prefix of the monitoring table.
    costMonitoring: ['BatchWriteItem'],
  },
  readsCostExplorer: true,
  timeoutSeconds: 300,
  memoryMb: 512,
  env: {
    ...CAPTURE_TENANTS_ENV,
    /** The unexplained gap, in percent of the bill, above which a run alerts (the alarm uses the same). */
    RECONCILE_THRESHOLD_PERCENT: z._default(z.coerce.number().check(z.gte(0), z.lte(100)), 2),
    /** JSON array of Cost Explorer SERVICE values whose usage is reconciled. */
    RECONCILE_SERVICES: z._default(
      z.string().check(z.refine(isServiceList, 'must be a JSON array of service names')),
      JSON.stringify(DEFAULT_BILLED_SERVICES),
    ),
    /** Closed days compared per run (each day is compared again on later runs while the bill settles). */
    RECONCILE_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(31)), DEFAULT_RECONCILE_DAYS),
    /** The last day compared lies this many days before the run's day. */
    RECONCILE_LAG_DAYS: z._default(
      z.coerce.number().check(z.int(), z.gte(0), z.lte(30)),
      DEFAULT_RECONCILE_LAG_DAYS,
    ),
  },
});
