import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'auto-control-init',
  description:
    'Creates or replaces the cost-control configuration of a user and applies the rules its spend already reaches.',
  tables: {
    autoControlConfig: ['GetItem', 'PutItem', 'UpdateItem'],
    controlActions: ['PutItem'],
    tokenAnalytics: ['GetItem'],
  },
  env: {},
});
