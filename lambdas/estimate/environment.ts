import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'estimate',
  description: 'Prices a monthly workload scenario.',
  tables: {},
  env: {},
});
