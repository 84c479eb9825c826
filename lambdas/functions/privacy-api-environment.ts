import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'privacy-api',
  description:
    "The tenant's data-protection settings (retention) and the audit log of configuration changes.",
  tables: {
    dataProtection: ['GetItem', 'PutItem', 'Query'],
  },
  memoryMb: 256,
  env: {},
});
