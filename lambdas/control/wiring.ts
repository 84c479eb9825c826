import { documentClient } from '../platform/dynamo-client.js';
import { DynamoControlActionsStore } from './adapters/dynamo-control-actions-store.js';
import { DynamoControlConfigStore } from './adapters/dynamo-control-config-store.js';
import { DynamoPeriodSpendReader } from './adapters/dynamo-control-store.js';
import type { ControlDeps } from './use-cases/control-deps.js';

/** Cost-control adapters from a function's validated environment, once per cold start. */
export function controlDeps(env: {
  AUTO_CONTROL_CONFIG_TABLE: string;
  CONTROL_ACTIONS_TABLE: string;
  TOKEN_ANALYTICS_TABLE: string;
}): ControlDeps {
  const actions = new DynamoControlActionsStore(documentClient(), env.CONTROL_ACTIONS_TABLE);
  return {
    store: new DynamoControlConfigStore(documentClient(), env.AUTO_CONTROL_CONFIG_TABLE, actions),
    actions,
    spend: new DynamoPeriodSpendReader(documentClient(), env.TOKEN_ANALYTICS_TABLE),
  };
}
