import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'pricing-api',
  description:
    "The tenant's effective catalog, workload estimates and tenant prices; a new tenant price reprices the usage recorded without a price that it covers.",
  tables: {
    modelPrices: ['PutItem', 'Query', 'DeleteItem', 'UpdateItem'],
  },
  env: {},
});
