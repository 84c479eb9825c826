import * as z from 'zod/mini';
import { Id, IsoTimestamp, UserId } from './primitives.js';

/** Raw usage records are kept between 30 days and 10 years; 400 days unless the tenant says otherwise. */
export const USAGE_RETENTION_DAYS = { min: 30, max: 3650, default: 400 } as const;
/** Breaches, control history, audit entries and erasure records: two years unless the tenant says otherwise. */
export const HISTORY_RETENTION_DAYS = { min: 30, max: 3650, default: 730 } as const;

const RetentionDays = (bounds: { min: number; max: number }) =>
  z.int().check(z.gte(bounds.min), z.lte(bounds.max));

export const Retention = z.object({
  usageDays: z.int(),
  historyDays: z.int(),
});

export const RETENTION_JOB_STATUSES = ['pending', 'running', 'completed'] as const;

/**
 * The job that applies the latest retention change to the items already stored (new items get the
 * new expiry within a minute of the change). It starts a minute after the change and runs with the
 * sweep, page by page.
 */
export const RetentionJobResponse = z.object({
  status: z.enum(RETENTION_JOB_STATUSES),
  usageDays: z.int(),
  historyDays: z.int(),
  requestedAt: z.string(),
  startAfter: z.string(),
  completedAt: z.nullable(z.string()),
  /** Items read so far. */
  examined: z.int(),
  /** Items whose expiry changed so far. */
  rewritten: z.int(),
});
export type RetentionJobResponse = z.infer<typeof RetentionJobResponse>;

/** `GET /settings`, and the answer of `PUT /settings`. */
export const SettingsResponse = z.object({
  retention: Retention,
  updatedAt: z.nullable(z.string()),
  /** The latest retention job; null while the tenant never changed a retention. */
  retentionJob: z.nullable(RetentionJobResponse),
});
export type SettingsResponse = z.infer<typeof SettingsResponse>;

/** `PUT /settings`: the fields given change, the others keep their value. */
export const PutSettingsRequest = z.strictObject({
  retention: z.strictObject({
    usageDays: z.optional(
      RetentionDays(USAGE_RETENTION_DAYS).check(
        z.describe('Days a raw usage record is kept after its timestamp (30–3650, default 400).'),
      ),
    ),
    historyDays: z.optional(
      RetentionDays(HISTORY_RETENTION_DAYS).check(
        z.describe(
          'Days breaches, control history, audit entries and erasure records are kept (30–3650, default 730).',
        ),
      ),
    ),
  }),
});
export type PutSettingsRequest = z.infer<typeof PutSettingsRequest>;

export const ErasureIdParam = Id;

export const ERASURE_STATUSES = ['pending', 'running', 'completed'] as const;

/** `DELETE /users/{userId}` (202) and `GET /erasures/{erasureId}`. */
export const ErasureResponse = z.object({
  erasureId: z.string(),
  userId: UserId,
  status: z.enum(ERASURE_STATUSES),
  requestedAt: z.string(),
  completedAt: z.nullable(z.string()),
});
export type ErasureResponse = z.infer<typeof ErasureResponse>;

export const AuditQuery = z.strictObject({
  from: z.optional(IsoTimestamp),
  to: z.optional(IsoTimestamp),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(500)), 100),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/**
 * One configuration change: who (the key's tenant and id, never a body value), what (`action`,
 * `target`), when, and the state before and after with personal data masked.
 */
export const AuditEntry = z.object({
  auditId: z.string(),
  at: z.string(),
  actor: z.object({ tenant: z.string(), keyId: z.nullable(z.string()) }),
  action: z.string(),
  target: z.string(),
  before: z.nullable(z.unknown()),
  after: z.nullable(z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Newest first; `nextCursor` pages on to older entries (null on the last page). */
export const AuditResponse = z.object({
  items: z.array(AuditEntry),
  nextCursor: z.nullable(z.string()),
});
export type AuditResponse = z.infer<typeof AuditResponse>;
