import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'pricing-api',
  description:
    "The tenant's effective catalog, workload estimates and tenant prices; a new tenant price reprices the usage recorded without a price that it covers (with threshold detection and cost control after).",
  tables: {
    modelPrices: ['PutItem', 'Query', 'DeleteItem', 'UpdateItem'],
    // Repricing: the records waiting for a price, their aggregates, and the ingest reactions.
    tokenUsage: ['Query', 'UpdateItem', 'GetItem', 'PutItem'],
    tokenAnalytics: ['UpdateItem', 'GetItem', 'BatchGetItem', 'Query'],
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
