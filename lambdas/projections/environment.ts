import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'projections',
  description: 'Spend forecast of one user to the end of the period, with bounds.',
  tables: { tokenAnalytics: ['Query', 'GetItem'], costThresholds: ['Query'] },
  env: {},
});
