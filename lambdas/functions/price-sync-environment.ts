import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';
import { PUBLISHED_PRICE_DATA_URL } from '../pricing/adapters/price-sources.js';
import { INGEST_REACTION_TABLES } from './ingest-reactions.js';

export const spec = defineFunction({
  name: 'price-sync',
  description:
    'Daily: adds the genai-prices Bedrock versions the service lacks (new models, new dated versions) to the service scope without rewriting any, records the run, then reprices the usage waiting for a price (with threshold detection and cost control after).',
  tables: {
    // The service scope's versions; UpdateItem: a repriced record's tenant version counter.
    modelPrices: ['Query', 'PutItem', 'UpdateItem'],
    // The run record (its own prefix of the monitoring table).
    costMonitoring: ['PutItem'],
    // Repricing: the waiting index, the records waiting for a price, their aggregates, the reactions.
    tokenUsage: ['Query', 'UpdateItem', 'GetItem', 'PutItem'],
    tokenAnalytics: ['UpdateItem', 'GetItem', 'BatchGetItem', 'Query'],
    ...INGEST_REACTION_TABLES,
  },
  putsEvents: true,
  timeoutSeconds: 600,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
    /** The published genai-prices data file; empty to use only the data the release was built from. */
    PRICE_DATA_URL: z._default(z.string(), PUBLISHED_PRICE_DATA_URL),
  },
});
