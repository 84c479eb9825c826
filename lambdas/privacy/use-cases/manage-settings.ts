import {
  HISTORY_RETENTION_DAYS,
  type PutSettingsRequest,
  USAGE_RETENTION_DAYS,
} from '@cost-management/contract';
import type { AuditActor, AuditLog } from '../ports/audit-log.js';
import type { SettingsStore, TenantSettings } from '../ports/settings-store.js';

export interface SettingsDeps {
  store: SettingsStore;
  audit: AuditLog;
}

/** What applies to a tenant that has never changed its settings. */
export const DEFAULT_SETTINGS: TenantSettings = {
  retention: { usageDays: USAGE_RETENTION_DAYS.default, historyDays: HISTORY_RETENTION_DAYS.default },
  updatedAt: null,
};

/** The tenant's settings, the defaults filled in. */
export async function getSettings(
  deps: Pick<SettingsDeps, 'store'>,
  tenantId: string,
): Promise<TenantSettings> {
  return (await deps.store.get(tenantId)) ?? DEFAULT_SETTINGS;
}

/** Changes the given fields; the change is audited with the settings before and after. */
export async function putSettings(
  deps: SettingsDeps,
  actor: AuditActor,
  input: PutSettingsRequest,
  now: Date,
): Promise<TenantSettings> {
  const before = await getSettings(deps, actor.tenant);
  const after: TenantSettings = {
    retention: {
      usageDays: input.retention.usageDays ?? before.retention.usageDays,
      historyDays: input.retention.historyDays ?? before.retention.historyDays,
    },
    updatedAt: now.toISOString(),
  };
  await deps.store.put(actor.tenant, after);
  await deps.audit.record(
    {
      actor,
      action: 'settings.update',
      target: 'settings',
      before: before.retention,
      after: after.retention,
    },
    now,
  );
  return after;
}
