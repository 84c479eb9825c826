import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'auto-control-status',
  description:
    'Cost-control level of a user, spend against the budget, active actions and effective limits; resets a finished period.',
  tables: {
    autoControlConfig: ['GetItem', 'UpdateItem'],
    controlActions: ['PutItem'],
    tokenAnalytics: ['GetItem'],
  },
  env: {},
});
