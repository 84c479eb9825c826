import { documentClient } from '../platform/dynamo-client.js';
import { DynamoControlStore, DynamoPeriodSpendReader } from './adapters/dynamo-control-store.js';
import type { ControlDeps } from './use-cases/auto-control.js';

/** Cost-control adapters from a function's validated environment, once per cold start. */
export function controlDeps(env: {
  AUTO_CONTROL_CONFIG_TABLE: string;
  CONTROL_ACTIONS_TABLE: string;
  TOKEN_ANALYTICS_TABLE: string;
}): ControlDeps {
  return {
    store: new DynamoControlStore(documentClient(), {
      configTable: env.AUTO_CONTROL_CONFIG_TABLE,
      actionsTable: env.CONTROL_ACTIONS_TABLE,
    }),
    spend: new DynamoPeriodSpendReader(documentClient(), env.TOKEN_ANALYTICS_TABLE),
  };
}
