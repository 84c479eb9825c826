import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'auto-control-actions',
  description: 'Audit history of the cost-control actions of a user, newest first.',
  tables: {
    controlActions: ['Query'],
  },
  env: {},
});
