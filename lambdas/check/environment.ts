import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'check',
  description:
    'Pre-flight check before a model call: allow, downgrade, throttle, cache_only or deny; reserves the estimate under a hard budget.',
  tables: {
    autoControlConfig: ['GetItem', 'UpdateItem', 'PutItem', 'DeleteItem', 'Query'],
    controlActions: ['PutItem'],
    tokenAnalytics: ['GetItem'],
  },
  env: {},
});
