import * as z from 'zod/mini';
import {
  hasAtMostNineDecimals,
  Id,
  IsoTimestamp,
  RedactedFields,
  UsdAmount,
  UsdOut,
  UserId,
} from './primitives.js';

export const ThresholdType = z.enum(['absolute', 'forecast', 'percentage']);
export const ThresholdPeriod = z.enum(['daily', 'weekly', 'monthly']);
export const AlertChannel = z.enum(['email', 'sms', 'webhook']);
export const BreachLevel = z.enum(['warning', 'critical', 'emergency']);
export const BreachStatus = z.enum(['open', 'acknowledged', 'resolved']);

/** An IANA zone name; whether the runtime knows it is checked by the use case. */
const Timezone = z.string().check(z.minLength(1), z.maxLength(64));

/** E.164: `+`, country code, up to 15 digits in all. */
export const E164Phone = z
  .string()
  .check(z.regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number (+4915112345678)'));
export const Email = z.email().check(z.maxLength(254));

const NINE_DECIMALS = 'must not have more than 9 decimals';

const ThresholdFields = {
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  type: ThresholdType,
  period: ThresholdPeriod,
  limitUsd: UsdAmount.check(z.refine((v) => v > 0, 'must be greater than 0')),
  warningPercent: z.number().check(z.gt(0), z.lt(100), z.refine(hasAtMostNineDecimals, NINE_DECIMALS)),
  emergencyPercent: z.number().check(z.gt(100), z.lte(1000), z.refine(hasAtMostNineDecimals, NINE_DECIMALS)),
  changePercent: z.number().check(z.gt(0), z.lte(1000), z.refine(hasAtMostNineDecimals, NINE_DECIMALS)),
  timezone: Timezone,
  channels: z.array(AlertChannel).check(z.minLength(1), z.maxLength(3)),
  enabled: z.boolean(),
};

export const CreateThresholdRequest = z.strictObject({
  userId: UserId,
  name: z.optional(ThresholdFields.name),
  type: z._default(ThresholdFields.type, 'absolute'),
  period: z._default(ThresholdFields.period, 'monthly'),
  /** Required unless `type` is `percentage` (which compares with the previous period). */
  limitUsd: z.optional(ThresholdFields.limitUsd),
  warningPercent: z.optional(ThresholdFields.warningPercent),
  emergencyPercent: z.optional(ThresholdFields.emergencyPercent),
  changePercent: z.optional(ThresholdFields.changePercent),
  timezone: z._default(Timezone, 'UTC'),
  channels: z._default(ThresholdFields.channels, ['email']),
  enabled: z._default(z.boolean(), true),
});
export type CreateThresholdRequest = z.infer<typeof CreateThresholdRequest>;

/** Every field optional: only those given change. */
export const UpdateThresholdRequest = z.strictObject({
  name: z.optional(ThresholdFields.name),
  type: z.optional(ThresholdFields.type),
  period: z.optional(ThresholdFields.period),
  limitUsd: z.optional(ThresholdFields.limitUsd),
  warningPercent: z.optional(ThresholdFields.warningPercent),
  emergencyPercent: z.optional(ThresholdFields.emergencyPercent),
  changePercent: z.optional(ThresholdFields.changePercent),
  timezone: z.optional(Timezone),
  channels: z.optional(ThresholdFields.channels),
  enabled: z.optional(z.boolean()),
});
export type UpdateThresholdRequest = z.infer<typeof UpdateThresholdRequest>;

export const ThresholdResponse = z.object({
  thresholdId: z.string(),
  userId: z.string(),
  name: z.string(),
  type: ThresholdType,
  period: ThresholdPeriod,
  limitUsd: UsdOut,
  warningPercent: z.number(),
  emergencyPercent: z.number(),
  changePercent: z.number(),
  timezone: z.string(),
  channels: z.array(AlertChannel),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /**
   * Whether the period total the threshold reads holds every record of its period: a threshold in
   * a zone other than UTC is `pending` from when it starts watching (created, enabled, moved to
   * another zone or period) until its period-to-date is added in the background; UTC ones are
   * always `complete`. While pending, levels are opened on the partial total but none is resolved.
   */
  periodTotals: z.enum(['pending', 'complete']),
  /** When the background backfill completed the period total. */
  periodTotalsCompletedAt: z.optional(z.string()),
});
export type ThresholdResponse = z.infer<typeof ThresholdResponse>;

/** The answer of a create or update: the threshold, and whether personal data was taken out of its name. */
export const ThresholdWriteResponse = z.extend(ThresholdResponse, { redacted: RedactedFields });
export type ThresholdWriteResponse = z.infer<typeof ThresholdWriteResponse>;

export const ThresholdListResponse = z.object({ items: z.array(ThresholdResponse) });

export const AlertingConfigRequest = z
  .strictObject({
    email: z.optional(Email),
    phone: z.optional(E164Phone),
    webhookUrl: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2048))),
    webhookSecret: z.optional(
      z.string().check(z.minLength(16, 'must be at least 16 characters'), z.maxLength(256)),
    ),
    escalation: z.optional(
      z.strictObject({
        afterMinutes: z._default(z.int().check(z.gte(1), z.lte(7 * 24 * 60)), 30),
        email: z.optional(Email),
        phone: z.optional(E164Phone),
      }),
    ),
  })
  .check(
    z.refine((c) => c.webhookUrl === undefined || c.webhookSecret !== undefined, {
      path: ['webhookSecret'],
      message: 'is required with webhookUrl',
    }),
  );
export type AlertingConfigRequest = z.infer<typeof AlertingConfigRequest>;

export const AlertingConfigResponse = z.object({
  userId: z.string(),
  email: z.optional(z.string()),
  phone: z.optional(z.string()),
  webhookUrl: z.optional(z.string()),
  /** Never answered in clear: whether one is set. */
  webhookSecretSet: z.boolean(),
  escalation: z.optional(
    z.object({ afterMinutes: z.int(), email: z.optional(z.string()), phone: z.optional(z.string()) }),
  ),
  updatedAt: z.optional(z.string()),
});
export type AlertingConfigResponse = z.infer<typeof AlertingConfigResponse>;

/**
 * `skipped`: no contact configured for the channel, or covered by the notice of a higher level
 * crossed at the same time (`notifiedWith` names that breach). `failed` with `retryAt` is retried.
 */
export const NotificationStatus = z.object({
  channel: AlertChannel,
  status: z.enum(['sent', 'failed', 'pending', 'skipped']),
  attempts: z.int(),
  error: z.optional(z.string()),
  retryAt: z.optional(z.string()),
  notifiedWith: z.optional(z.string()),
});

export const BreachResponse = z.object({
  breachId: z.string(),
  thresholdId: z.string(),
  userId: z.string(),
  level: BreachLevel,
  status: BreachStatus,
  periodKey: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  spendUsd: UsdOut,
  limitUsd: UsdOut,
  detectedAt: z.string(),
  acknowledgedAt: z.nullable(z.string()),
  resolvedAt: z.nullable(z.string()),
  escalatedAt: z.nullable(z.string()),
  notifications: z.array(NotificationStatus),
});
export type BreachResponse = z.infer<typeof BreachResponse>;

export const BreachListQuery = z.strictObject({ status: z.optional(BreachStatus) });
export const BreachListResponse = z.object({ items: z.array(BreachResponse) });

/** `GET /breaches`: the breaches of every user of the tenant, newest first, a page at a time. */
export const TenantBreachListQuery = z.strictObject({
  status: z.optional(BreachStatus),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(500)), 50),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});
/** `nextCursor` pages on to older breaches (null on the last page). */
export const TenantBreachListResponse = z.object({
  items: z.array(BreachResponse),
  nextCursor: z.nullable(z.string()),
});
export type TenantBreachListResponse = z.infer<typeof TenantBreachListResponse>;

export const ThresholdIdParam = Id;
export const BreachIdParam = Id;

export const SweepSummary = z.object({
  thresholds: z.int(),
  breachesOpened: z.int(),
  breachesResolved: z.int(),
  escalated: z.int(),
  redelivered: z.int(),
  startedAt: IsoTimestamp,
  durationMs: z.number(),
});
