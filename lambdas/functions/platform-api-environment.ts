import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'platform-api',
  description: 'Liveness check and the OpenAPI document.',
  tables: {},
  memoryMb: 256,
  env: {},
});
