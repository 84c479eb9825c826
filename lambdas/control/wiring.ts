import { documentClient } from '../platform/dynamo-client.js';
import { DynamoControlActionsStore } from './adapters/dynamo-control-actions-store.js';
import { DynamoControlConfigStore } from './adapters/dynamo-control-config-store.js';
import { DynamoControlDataEraser } from './adapters/dynamo-user-data-eraser.js';
import type { PeriodSpendReader } from './ports/control-store.js';
import type { ControlDeps } from './use-cases/control-deps.js';

/**
 * Cost-control adapters from a function's validated environment, once per cold start; `spend` is
 * the usage context's aggregate store, wired by the composition root.
 */
export function controlDeps(
  env: { AUTO_CONTROL_CONFIG_TABLE: string; CONTROL_ACTIONS_TABLE: string },
  spend: PeriodSpendReader,
): ControlDeps {
  const actions = new DynamoControlActionsStore(documentClient(), env.CONTROL_ACTIONS_TABLE);
  return {
    store: new DynamoControlConfigStore(documentClient(), env.AUTO_CONTROL_CONFIG_TABLE, actions),
    actions,
    spend,
  };
}

/** What the control context holds of a user, for erasure: config and state, reservations, history. */
export const controlDataEraser = (env: {
  AUTO_CONTROL_CONFIG_TABLE: string;
  CONTROL_ACTIONS_TABLE: string;
}) =>
  new DynamoControlDataEraser(documentClient(), {
    config: env.AUTO_CONTROL_CONFIG_TABLE,
    actions: env.CONTROL_ACTIONS_TABLE,
  });
