import type { AuditPage } from './ports/audit-log.js';
import type { ErasureJob } from './ports/erasure.js';
import type { RetentionJob } from './ports/retention-job.js';
import type { SettingsView } from './use-cases/manage-settings.js';

/** Progress of the job applying a retention change to stored items, in the contract's shape. */
function retentionJobResponse(job: RetentionJob | null) {
  if (!job) return null;
  return {
    status: job.status,
    usageDays: job.retention.usageDays,
    historyDays: job.retention.historyDays,
    requestedAt: job.requestedAt,
    startAfter: job.startAfter,
    completedAt: job.completedAt,
    examined: job.examined,
    rewritten: job.rewritten,
  };
}

/** Settings in the contract's shape (`GET`/`PUT /settings`). */
export function settingsResponse(settings: SettingsView) {
  return {
    retention: { usageDays: settings.retention.usageDays, historyDays: settings.retention.historyDays },
    updatedAt: settings.updatedAt,
    retentionJob: retentionJobResponse(settings.job),
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
