import { z } from 'zod';
import { defineFunction } from '../platform/function-spec.js';

/** Channel settings shared by the notifier and the sweep (which sends escalation and resolution notices). */
export const notifierEnv = {
  /** Set with the SES grant (sendsEmail): the verified sender identity. */
  SENDER_EMAIL: z.string().min(3),
  /** Emergencies also go to the ops topic when it is set. */
  EMERGENCY_TOPIC_ARN: z.string().min(1).optional(),
  /** SQS queue for notices that failed on every attempt. */
  DEAD_LETTER_QUEUE_URL: z.string().min(1).optional(),
  ALLOW_HTTP_WEBHOOKS: z.enum(['true', 'false']).optional(),
  NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(10).optional(),
  NOTIFY_BACKOFF_MS: z.coerce.number().int().min(0).max(60_000).optional(),
};

export const spec = defineFunction({
  name: 'notifier',
  description:
    'Delivers ThresholdBreached notices by email (SES), SMS (SNS) and signed webhook; records each outcome.',
  tables: {
    thresholdBreaches: ['GetItem', 'UpdateItem'],
    alertingConfig: ['GetItem'],
    tokenAnalytics: ['Query'],
  },
  sendsEmail: true,
  sendsSms: true,
  publishes: ['emergency'],
  env: notifierEnv,
});
