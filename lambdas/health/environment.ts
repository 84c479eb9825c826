import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'health',
  description: 'Liveness check.',
  tables: {},
  env: {},
});
