import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';
import { INGEST_REACTION_TABLES } from './ingest-reactions.js';

export const spec = defineFunction({
  name: 'pricing-api',
  description:
    "The tenant's effective catalog, workload estimates and tenant prices; a new tenant price reprices the usage recorded without a price that it covers (a bounded part at once, the rest in the background; threshold detection and cost control after).",
  tables: {
    modelPrices: ['PutItem', 'Query', 'DeleteItem', 'UpdateItem'],
    // Repricing: the records waiting for a price, their aggregates, and the ingest reactions.
    tokenUsage: ['Query', 'UpdateItem', 'GetItem', 'PutItem'],
    tokenAnalytics: ['UpdateItem', 'GetItem', 'BatchGetItem', 'Query'],
    ...INGEST_REACTION_TABLES,
    // Settings (retention) as on ingest, and the audit entry of a price change, in its transaction.
    dataProtection: ['GetItem', 'PutItem'],
  },
  putsEvents: true,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
    /** Waiting records a PUT /prices reprices before answering; the rest goes to the background job. */
    REPRICE_INLINE_RECORDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(10_000)), 200),
  },
});
