import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'track-usage',
  description:
    'Records one model call: prices it and writes record, idempotency marker and aggregates atomically.',
  tables: {
    tokenUsage: ['PutItem', 'GetItem'],
    tokenAnalytics: ['UpdateItem'],
  },
  env: {},
});
