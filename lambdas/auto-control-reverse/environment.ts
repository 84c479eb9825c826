import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'auto-control-reverse',
  description: 'Reverses an applied cost-control action with a recorded reason and recomputes the level.',
  tables: {
    autoControlConfig: ['GetItem', 'UpdateItem'],
    controlActions: ['GetItem', 'PutItem', 'UpdateItem'],
    tokenAnalytics: ['GetItem'],
  },
  env: {},
});
