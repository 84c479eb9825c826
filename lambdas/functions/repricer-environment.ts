import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';
import { INGEST_REACTION_TABLES } from './ingest-reactions.js';

export const spec = defineFunction({
  name: 'repricer',
  description:
    "RepricingRequested: continues a tenant's repricing of usage waiting for a price where the previous run stopped (exactly once per record), hands the rest to a next run near its timeout; threshold detection and cost control after.",
  tables: {
    // The effective catalog; UpdateItem: a repriced record's tenant version counter.
    modelPrices: ['Query', 'UpdateItem'],
    // The records waiting for a price, their aggregates, and the ingest reactions.
    tokenUsage: ['Query', 'UpdateItem', 'GetItem', 'PutItem'],
    tokenAnalytics: ['UpdateItem', 'GetItem', 'BatchGetItem', 'Query'],
    ...INGEST_REACTION_TABLES,
  },
  putsEvents: true,
  timeoutSeconds: 300,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  },
});
