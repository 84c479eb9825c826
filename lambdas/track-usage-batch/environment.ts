import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'track-usage-batch',
  description:
    'Records up to 25 model calls in one request: prices it and writes record, idempotency marker and aggregates atomically.',
  tables: {
    tokenUsage: ['PutItem', 'GetItem'],
    tokenAnalytics: ['UpdateItem'],
  },
  env: {},
});
