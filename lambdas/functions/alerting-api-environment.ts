import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'alerting-api',
  description:
    'Alerting context: thresholds, alert channels and escalation, breaches and their acknowledgement.',
  tables: {
    costThresholds: ['PutItem', 'GetItem', 'Query', 'DeleteItem'],
    alertingConfig: ['PutItem', 'GetItem'],
    thresholdBreaches: ['Query', 'GetItem', 'UpdateItem'],
    // The audit entry of each threshold and contact change, in the change's transaction.
    dataProtection: ['GetItem', 'PutItem'],
  },
  // ThresholdBackfillRequested: a threshold in another zone than UTC gets its period-to-date off the request path.
  putsEvents: true,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
    /** `true` only in the local runtime: webhooks may then use http. */
    ALLOW_HTTP_WEBHOOKS: z.optional(z.enum(['true', 'false'])),
  },
});
