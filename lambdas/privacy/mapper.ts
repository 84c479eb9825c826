import type { AuditPage } from './ports/audit-log.js';
import type { ErasureJob } from './ports/erasure.js';
import type { TenantSettings } from './ports/settings-store.js';

/** Settings in the contract's shape (`GET`/`PUT /settings`). */
export function settingsResponse(settings: TenantSettings) {
  return {
    retention: { usageDays: settings.retention.usageDays, historyDays: settings.retention.historyDays },
    updatedAt: settings.updatedAt,
  };
}

/** A page of audit entries in the contract's shape (`GET /audit`). */
export function auditResponse(page: AuditPage) {
  return {
    items: page.items.map((entry) => ({
      auditId: entry.auditId,
      at: entry.at,
      actor: { tenant: entry.actor.tenant, keyId: entry.actor.keyId },
      action: entry.action,
      target: entry.target,
      before: entry.before ?? null,
      after: entry.after ?? null,
    })),
    nextCursor: page.nextCursor,
  };
}

/** An erasure in the contract's shape (`DELETE /users/{userId}`, `GET /erasures/{erasureId}`). */
export function erasureResponse(job: ErasureJob) {
  return {
    erasureId: job.erasureId,
    userId: job.userId,
    status: job.status,
    requestedAt: job.requestedAt,
    completedAt: job.completedAt,
  };
}
