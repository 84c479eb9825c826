import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'benchmarks',
  description: 'Industry benchmark figures from the benchmarks table.',
  tables: { benchmarks: ['Query'] },
  env: {},
});
