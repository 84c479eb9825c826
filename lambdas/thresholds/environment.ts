import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'thresholds',
  description: 'Creates, lists, updates and deletes cost thresholds.',
  tables: {
    costThresholds: ['PutItem', 'GetItem', 'Query', 'DeleteItem'],
    // Period-to-date of a threshold in another zone than UTC: raw records read once, one total written.
    tokenUsage: ['Query'],
    tokenAnalytics: ['UpdateItem'],
  },
  env: {},
});
