import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'analytics',
  description: 'Usage analytics of one user from daily aggregates, cached 24 h; keeps the usage pattern.',
  tables: {
    tokenAnalytics: ['Query', 'GetItem'],
    analyticsCache: ['GetItem', 'PutItem'],
    usagePatterns: ['PutItem'],
  },
  env: {},
});
