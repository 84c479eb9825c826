import { documentClient } from './dynamo-client.js';
import { DynamoUsageStore } from './stores/dynamo-usage-store.js';

/** Adapters built from a function's validated environment, once per cold start. */
export function usageStore(env: { TOKEN_USAGE_TABLE: string; TOKEN_ANALYTICS_TABLE: string }): DynamoUsageStore {
  return new DynamoUsageStore(documentClient(), {
    usageTable: env.TOKEN_USAGE_TABLE,
    analyticsTable: env.TOKEN_ANALYTICS_TABLE,
  });
}
