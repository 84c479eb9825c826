import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'models',
  description: 'Lists the pricing catalog.',
  tables: {},
  env: {},
});
