import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'openapi',
  description: 'Serves the OpenAPI document.',
  tables: {},
  env: {},
});
