import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'control-api',
  description:
    'Control context: cost-control configuration, status, audit history and reversal, and the pre-flight /check (reserves the estimate under a hard budget).',
  tables: {
    autoControlConfig: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'],
    controlActions: ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
    tokenAnalytics: ['BatchGetItem'],
    // Settings (history retention of control entries) and the audit entry of init and reverse.
    dataProtection: ['GetItem', 'PutItem'],
  },
  env: {},
});
