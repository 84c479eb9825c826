import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'usage-api',
  description:
    'Usage context: records model calls exactly once (with threshold detection and cost control after the write), analytics, projections, recommendations, benchmarks and export.',
  tables: {
    tokenUsage: ['PutItem', 'GetItem', 'Query'],
    tokenAnalytics: ['UpdateItem', 'GetItem', 'BatchGetItem', 'Query'],
    analyticsCache: ['GetItem', 'PutItem'],
    usagePatterns: ['PutItem'],
    benchmarks: ['Query'],
    // The tenant's effective catalog (pricing context), and the counter of a tenant version's events.
    modelPrices: ['Query', 'UpdateItem'],
    // Reactions on the ingest path, wired to the alerting and control contexts.
    costThresholds: ['Query'],
    thresholdBreaches: ['PutItem'],
    autoControlConfig: ['GetItem', 'UpdateItem', 'DeleteItem'],
    controlActions: ['PutItem'],
  },
  putsEvents: true,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  },
});
