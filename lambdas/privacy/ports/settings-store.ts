import type { AuditWrite } from './audit-log.js';
import type { RetentionJob } from './retention-job.js';

/** A tenant's data-protection settings, as stored. */
export interface TenantSettings {
  readonly retention: { readonly usageDays: number; readonly historyDays: number };
  /** When a caller last changed them; null while the defaults apply. */
  readonly updatedAt: string | null;
}

/** Port: the tenant's settings. */
export interface SettingsStore {
  /** The stored settings, or undefined while the tenant has never set any. */
  get(tenantId: string): Promise<TenantSettings | undefined>;
  /**
   * Stores the settings; with `audit` (and `job`), in one transaction with the audit entry of the
   * change (and the retention job that applies it to stored items): all of it or nothing.
   */
  put(
    tenantId: string,
    settings: TenantSettings,
    options?: { audit?: AuditWrite; job?: RetentionJob },
  ): Promise<void>;
}

/**
 * Port for other contexts: how long a tenant's data is kept. Usage stamps each raw record's
 * expiry from `usageDays`; alerting and control stamp breaches and history from `historyDays`.
 */
export interface RetentionPolicy {
  retentionOf(tenantId: string): Promise<TenantSettings['retention']>;
}
