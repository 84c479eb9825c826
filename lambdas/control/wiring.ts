import { documentClient } from '../platform/dynamo-client.js';
import { DynamoControlStore } from './adapters/dynamo-control-store.js';
import type { PeriodSpendReader } from './ports/control-store.js';
import type { ControlDeps } from './use-cases/auto-control.js';

/**
 * Cost-control adapters from a function's validated environment, once per cold start; `spend` is
 * the usage context's aggregate store, wired by the composition root.
 */
export function controlDeps(
  env: { AUTO_CONTROL_CONFIG_TABLE: string; CONTROL_ACTIONS_TABLE: string },
  spend: PeriodSpendReader,
): ControlDeps {
  return {
    store: new DynamoControlStore(documentClient(), {
      configTable: env.AUTO_CONTROL_CONFIG_TABLE,
      actionsTable: env.CONTROL_ACTIONS_TABLE,
    }),
    spend,
  };
}
