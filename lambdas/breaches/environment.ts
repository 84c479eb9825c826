import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'breaches',
  description: 'Lists the threshold breaches of a user and acknowledges one (stops its escalation).',
  tables: { thresholdBreaches: ['Query', 'GetItem', 'UpdateItem'] },
  env: {},
});
