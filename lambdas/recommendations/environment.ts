import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'recommendations',
  description: 'Optimisation advice for one user with estimated monthly savings.',
  tables: { tokenAnalytics: ['Query'] },
  env: {},
});
