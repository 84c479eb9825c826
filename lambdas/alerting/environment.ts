import * as z from 'zod/mini';
import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'alerting',
  description: 'Reads and writes the alert channels and escalation of a user.',
  tables: { alertingConfig: ['PutItem', 'GetItem'] },
  env: {
    /** `true` only in the local runtime: webhooks may then use http. */
    ALLOW_HTTP_WEBHOOKS: z.optional(z.enum(['true', 'false'])),
  },
});
