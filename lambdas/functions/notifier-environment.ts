import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

/** Channel settings of the notifier (breach notices, and the resolutions, escalations and redeliveries the sweep asks for). */
export const notifierEnv = {
  /** Set with the SES grant (sendsEmail): the verified sender identity. */
  SENDER_EMAIL: z.string().check(z.minLength(3)),
  /** Emergencies also go to the ops topic when it is set. */
  EMERGENCY_TOPIC_ARN: z.optional(z.string().check(z.minLength(1))),
  /** SQS queue for notices that failed on every attempt. */
  DEAD_LETTER_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  ALLOW_HTTP_WEBHOOKS: z.optional(z.enum(['true', 'false'])),
  NOTIFY_ATTEMPTS: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(10))),
  NOTIFY_BACKOFF_MS: z.optional(z.coerce.number().check(z.int(), z.gte(0), z.lte(60_000))),
  /** Wait before the sweep retries a failed channel (doubling per round); default 300. */
  NOTIFY_RETRY_AFTER_SECONDS: z.optional(z.coerce.number().check(z.int(), z.gte(0), z.lte(3600))),
  /** How long after a notice was due a failed channel is still retried; default 21600 (6 h). */
  NOTIFY_DEADLINE_SECONDS: z.optional(z.coerce.number().check(z.int(), z.gte(0), z.lte(7 * 86_400))),
  /**
   * The web console's URL (`https://…/` deployed, `http://127.0.0.1:3000/console/` locally): notices
   * link to the breach in it. Unset: notices carry no link.
   */
  CONSOLE_URL: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2048))),
};

export const spec = defineFunction({
  name: 'notifier',
  description:
    'Delivers ThresholdBreached notices and the notices of BreachNoticeRequested (resolution, escalation, redelivery) by email (SES), SMS (SNS) and signed webhook; records each outcome.',
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
