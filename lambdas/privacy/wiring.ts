import { documentClient } from '../platform/dynamo-client.js';
import { DynamoAuditLog } from './adapters/dynamo-audit-log.js';
import { DynamoErasureStore } from './adapters/dynamo-erasure-store.js';
import { DynamoRetentionJobStore } from './adapters/dynamo-retention-jobs.js';
import { DynamoSettingsStore } from './adapters/dynamo-settings-store.js';
import type { RetentionPolicy } from './ports/settings-store.js';
import { getSettings } from './use-cases/manage-settings.js';
import { cachedRetentionPolicy } from './use-cases/retention-policy.js';

/** Adapters built from a function's validated environment, once per cold start. */
export const settingsStore = (env: { DATA_PROTECTION_TABLE: string }) =>
  new DynamoSettingsStore(documentClient(), env.DATA_PROTECTION_TABLE);

export const retentionJobStore = (env: { DATA_PROTECTION_TABLE: string }) =>
  new DynamoRetentionJobStore(documentClient(), env.DATA_PROTECTION_TABLE);

/**
 * The tenant's retention, read from its settings (defaults while it has none), cached per tenant
 * for at most a minute; `forget` drops a tenant's entry after its own change.
 */
export const retentionPolicy = (env: {
  DATA_PROTECTION_TABLE: string;
}): RetentionPolicy & { forget(tenantId: string): void } => {
  const store = settingsStore(env);
  return cachedRetentionPolicy(async (tenantId) => (await getSettings({ store }, tenantId)).retention, {
    shareKey: env.DATA_PROTECTION_TABLE,
  });
};

/** Days a tenant keeps history (breaches, control history, audit entries), for adapters that stamp expiry. */
export const historyDays =
  (policy: RetentionPolicy) =>
  async (tenantId: string): Promise<number> =>
    (await policy.retentionOf(tenantId)).historyDays;

/** The audit log: appends entries that expire with the tenant's history retention. */
export const auditLog = (
  env: { DATA_PROTECTION_TABLE: string },
  policy: RetentionPolicy = retentionPolicy(env),
) => new DynamoAuditLog(documentClient(), env.DATA_PROTECTION_TABLE, historyDays(policy));

/** The audit entries' expiry rewriter (retention jobs). */
export const auditExpiry = (env: { DATA_PROTECTION_TABLE: string }) => auditLog(env);

/** Erasure jobs; the request's audit entry is written in the job's transaction. */
export const erasureStore = (env: { DATA_PROTECTION_TABLE: string }, audit: DynamoAuditLog = auditLog(env)) =>
  new DynamoErasureStore(documentClient(), env.DATA_PROTECTION_TABLE, audit);
