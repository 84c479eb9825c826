import { z } from 'zod';
import { hasAtMostNineDecimals, Id, IsoTimestamp, UsdAmount, UsdOut, UserId } from './primitives.js';

export const ThresholdType = z.enum(['absolute', 'forecast', 'percentage']);
export const ThresholdPeriod = z.enum(['daily', 'weekly', 'monthly']);
export const AlertChannel = z.enum(['email', 'sms', 'webhook']);
export const BreachLevel = z.enum(['warning', 'critical', 'emergency']);
export const BreachStatus = z.enum(['open', 'acknowledged', 'resolved']);

/** An IANA zone name; whether the runtime knows it is checked by the use case. */
const Timezone = z.string().min(1).max(64);

/** E.164: `+`, country code, up to 15 digits in all. */
export const E164Phone = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number (+4915112345678)');
export const Email = z.email().max(254);

const NINE_DECIMALS = 'must not have more than 9 decimals';

const ThresholdFields = {
  name: z.string().min(1).max(200),
  type: ThresholdType,
  period: ThresholdPeriod,
  limitUsd: UsdAmount.refine((v) => v > 0, 'must be greater than 0'),
  warningPercent: z.number().gt(0).lt(100).refine(hasAtMostNineDecimals, NINE_DECIMALS),
  emergencyPercent: z.number().gt(100).max(1000).refine(hasAtMostNineDecimals, NINE_DECIMALS),
  changePercent: z.number().gt(0).max(1000).refine(hasAtMostNineDecimals, NINE_DECIMALS),
  timezone: Timezone,
  channels: z.array(AlertChannel).min(1).max(3),
  enabled: z.boolean(),
};

export const CreateThresholdRequest = z
  .object({
    userId: UserId,
    name: ThresholdFields.name.optional(),
    type: ThresholdFields.type.default('absolute'),
    period: ThresholdFields.period.default('monthly'),
    /** Required unless `type` is `percentage` (which compares with the previous period). */
    limitUsd: ThresholdFields.limitUsd.optional(),
    warningPercent: ThresholdFields.warningPercent.optional(),
    emergencyPercent: ThresholdFields.emergencyPercent.optional(),
    changePercent: ThresholdFields.changePercent.optional(),
    timezone: Timezone.default('UTC'),
    channels: ThresholdFields.channels.default(['email']),
    enabled: z.boolean().default(true),
  })
  .strict();
export type CreateThresholdRequest = z.infer<typeof CreateThresholdRequest>;

/** Every field optional: only those given change. */
export const UpdateThresholdRequest = z
  .object({
    name: ThresholdFields.name.optional(),
    type: ThresholdFields.type.optional(),
    period: ThresholdFields.period.optional(),
    limitUsd: ThresholdFields.limitUsd.optional(),
    warningPercent: ThresholdFields.warningPercent.optional(),
    emergencyPercent: ThresholdFields.emergencyPercent.optional(),
    changePercent: ThresholdFields.changePercent.optional(),
    timezone: Timezone.optional(),
    channels: ThresholdFields.channels.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
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
});
export type ThresholdResponse = z.infer<typeof ThresholdResponse>;

export const ThresholdListResponse = z.object({ items: z.array(ThresholdResponse) });

export const AlertingConfigRequest = z
  .object({
    email: Email.optional(),
    phone: E164Phone.optional(),
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    webhookSecret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
    escalation: z
      .object({
        afterMinutes: z
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(30),
        email: Email.optional(),
        phone: E164Phone.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((c) => c.webhookUrl === undefined || c.webhookSecret !== undefined, {
    path: ['webhookSecret'],
    message: 'is required with webhookUrl',
  });
export type AlertingConfigRequest = z.infer<typeof AlertingConfigRequest>;

export const AlertingConfigResponse = z.object({
  userId: z.string(),
  email: z.string().optional(),
  phone: z.string().optional(),
  webhookUrl: z.string().optional(),
  /** Never answered in clear: whether one is set. */
  webhookSecretSet: z.boolean(),
  escalation: z
    .object({ afterMinutes: z.int(), email: z.string().optional(), phone: z.string().optional() })
    .optional(),
  updatedAt: z.string().optional(),
});
export type AlertingConfigResponse = z.infer<typeof AlertingConfigResponse>;

export const NotificationStatus = z.object({
  channel: AlertChannel,
  status: z.enum(['sent', 'failed', 'pending']),
  attempts: z.int(),
  error: z.string().optional(),
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
  acknowledgedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  escalatedAt: z.string().nullable(),
  notifications: z.array(NotificationStatus),
});
export type BreachResponse = z.infer<typeof BreachResponse>;

export const BreachListQuery = z.object({ status: BreachStatus.optional() }).strict();
export const BreachListResponse = z.object({ items: z.array(BreachResponse) });

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
