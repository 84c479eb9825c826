import {
  HISTORY_RETENTION_DAYS,
  type PutSettingsRequest,
  USAGE_RETENTION_DAYS,
} from '@cost-management/contract';
import type { AuditActor, AuditLog } from '../ports/audit-log.js';
import type { RetentionJob, RetentionJobStore } from '../ports/retention-job.js';
import type { SettingsStore, TenantSettings } from '../ports/settings-store.js';
import { RETENTION_CACHE_MS } from './retention-policy.js';

export interface SettingsDeps {
  store: SettingsStore;
  audit: AuditLog;
  /** The retention jobs (their progress shows with the settings). */
  jobs?: Pick<RetentionJobStore, 'get'>;
  /** Drops the function's cached retention of the tenant after its change. */
  forget?: (tenantId: string) => void;
  /** How long after a change its job starts (default {@link RETENTION_JOB_DELAY_MS}). */
  jobDelayMs?: number;
}

/** The settings with the job applying the latest retention change to stored items, if any. */
export interface SettingsView extends TenantSettings {
  readonly job: RetentionJob | null;
}

/** What applies to a tenant that has never changed its settings. */
export const DEFAULT_SETTINGS: TenantSettings = {
  retention: { usageDays: USAGE_RETENTION_DAYS.default, historyDays: HISTORY_RETENTION_DAYS.default },
  updatedAt: null,
};

/**
 * How long after a change its job starts: the cache time plus a margin (clocks of functions differ
 * slightly). By then every function writes the new expiry, so no item written after the job passed
 * its key can carry the old one. Where all functions share one cache (the local runtime), 0.
 */
export const RETENTION_JOB_DELAY_MS = RETENTION_CACHE_MS + 5_000;

/** A new job applying `retention` to the tenant's stored items, once every cache has the new value. */
export function newRetentionJob(
  tenantId: string,
  retention: TenantSettings['retention'],
  now: Date,
  delayMs: number = RETENTION_JOB_DELAY_MS,
): RetentionJob {
  return {
    tenantId,
    retention: { usageDays: retention.usageDays, historyDays: retention.historyDays },
    requestedAt: now.toISOString(),
    startAfter: new Date(now.getTime() + delayMs).toISOString(),
    status: 'pending',
    part: null,
    position: null,
    examined: 0,
    rewritten: 0,
    completedAt: null,
    step: 0,
  };
}

/** The tenant's settings, the defaults filled in. */
export async function getSettings(
  deps: Pick<SettingsDeps, 'store'>,
  tenantId: string,
): Promise<TenantSettings> {
  return (await deps.store.get(tenantId)) ?? DEFAULT_SETTINGS;
}

/** The settings and the progress of the latest retention job. */
export async function viewSettings(
  deps: Pick<SettingsDeps, 'store' | 'jobs'>,
  tenantId: string,
): Promise<SettingsView> {
  const [settings, job] = await Promise.all([getSettings(deps, tenantId), deps.jobs?.get(tenantId)]);
  return { ...settings, job: job ?? null };
}

/**
 * Changes the given fields. The new settings, the audit entry (settings before and after) and,
 * when a retention changed, the job that applies it to the items already stored are written in one
 * transaction: a failure stores none of them (the caller gets a 503 and retries).
 */
export async function putSettings(
  deps: SettingsDeps,
  actor: AuditActor,
  input: PutSettingsRequest,
  now: Date,
): Promise<SettingsView> {
  const before = await getSettings(deps, actor.tenant);
  const after: TenantSettings = {
    retention: {
      usageDays: input.retention.usageDays ?? before.retention.usageDays,
      historyDays: input.retention.historyDays ?? before.retention.historyDays,
    },
    updatedAt: now.toISOString(),
  };
  const changed =
    after.retention.usageDays !== before.retention.usageDays ||
    after.retention.historyDays !== before.retention.historyDays;
  const audit = await deps.audit.prepare(
    {
      actor,
      action: 'settings.update',
      target: 'settings',
      before: before.retention,
      after: after.retention,
    },
    now,
  );
  const job = changed ? newRetentionJob(actor.tenant, after.retention, now, deps.jobDelayMs) : undefined;
  await deps.store.put(actor.tenant, after, { audit, ...(job ? { job } : {}) });
  deps.forget?.(actor.tenant);
  return { ...after, job: job ?? (await deps.jobs?.get(actor.tenant)) ?? null };
}
