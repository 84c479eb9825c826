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
    // Period-to-date of a threshold in another zone than UTC: raw records read once, one total written.
    tokenUsage: ['Query'],
    tokenAnalytics: ['UpdateItem'],
    // The audit entry of each threshold and contact change, in the change's transaction.
    dataProtection: ['GetItem', 'PutItem'],
  },
  env: {
    /** `true` only in the local runtime: webhooks may then use http. */
    ALLOW_HTTP_WEBHOOKS: z.optional(z.enum(['true', 'false'])),
  },
});
