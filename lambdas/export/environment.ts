import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'export',
  description: 'Pages through the raw usage records of one user as CSV or JSON.',
  tables: { tokenUsage: ['Query'] },
  env: {},
});
