import { documentClient } from '../platform/dynamo-client.js';
import { DynamoAuditLog } from './adapters/dynamo-audit-log.js';
import { DynamoErasureStore } from './adapters/dynamo-erasure-store.js';
import { DynamoSettingsStore } from './adapters/dynamo-settings-store.js';
import type { RetentionPolicy } from './ports/settings-store.js';
import { getSettings } from './use-cases/manage-settings.js';

/** Adapters built from a function's validated environment, once per cold start. */
export const settingsStore = (env: { DATA_PROTECTION_TABLE: string }) =>
  new DynamoSettingsStore(documentClient(), env.DATA_PROTECTION_TABLE);

/** The tenant's retention, read from its settings (defaults while it has none). */
export const retentionPolicy = (env: { DATA_PROTECTION_TABLE: string }): RetentionPolicy => {
  const store = settingsStore(env);
  return { retentionOf: async (tenantId) => (await getSettings({ store }, tenantId)).retention };
};

/** The audit log: appends entries that expire with the tenant's history retention. */
export const auditLog = (env: { DATA_PROTECTION_TABLE: string }) => {
  const retention = retentionPolicy(env);
  return new DynamoAuditLog(
    documentClient(),
    env.DATA_PROTECTION_TABLE,
    async (tenantId) => (await retention.retentionOf(tenantId)).historyDays,
  );
};

/** Erasure jobs; the request's audit entry is written in the job's transaction. */
export const erasureStore = (env: { DATA_PROTECTION_TABLE: string }) =>
  new DynamoErasureStore(documentClient(), env.DATA_PROTECTION_TABLE, auditLog(env));
