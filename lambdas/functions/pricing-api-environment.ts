import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'pricing-api',
  description: 'The pricing catalog and workload estimates.',
  tables: {},
  env: {},
});
