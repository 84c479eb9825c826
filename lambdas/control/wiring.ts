import { documentClient } from '../platform/dynamo-client.js';
import type { AuditLog } from '../privacy/ports/audit-log.js';
import type { RetentionPolicy } from '../privacy/ports/settings-store.js';
import { DynamoControlActionsStore } from './adapters/dynamo-control-actions-store.js';
import { DynamoControlConfigStore } from './adapters/dynamo-control-config-store.js';
import { DynamoControlDataEraser } from './adapters/dynamo-user-data-eraser.js';
import type { PeriodSpendReader } from './ports/control-store.js';
import type { ControlDeps } from './use-cases/control-deps.js';

/**
 * Cost-control adapters from a function's validated environment, once per cold start; `spend` is
 * the usage context's aggregate store, `retention` (history entries expire with it) and `audit`
 * the privacy context's, all wired by the composition root.
 */
export function controlDeps(
  env: { AUTO_CONTROL_CONFIG_TABLE: string; CONTROL_ACTIONS_TABLE: string },
  spend: PeriodSpendReader,
  privacy: { retention?: RetentionPolicy; audit?: AuditLog } = {},
): ControlDeps {
  const { retention, audit } = privacy;
  const actions = new DynamoControlActionsStore(
    documentClient(),
    env.CONTROL_ACTIONS_TABLE,
    retention ? async (tenantId) => (await retention.retentionOf(tenantId)).historyDays : undefined,
  );
  return {
    store: new DynamoControlConfigStore(documentClient(), env.AUTO_CONTROL_CONFIG_TABLE, actions),
    actions,
    spend,
    ...(audit ? { audit } : {}),
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
/** The control history's expiry rewriter (retention jobs). */
export const controlHistoryExpiry = (env: { CONTROL_ACTIONS_TABLE: string }) =>
  new DynamoControlActionsStore(documentClient(), env.CONTROL_ACTIONS_TABLE);
