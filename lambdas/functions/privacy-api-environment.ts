import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'privacy-api',
  description:
    "The tenant's data-protection settings (retention), the audit log of configuration changes, and erasure requests.",
  tables: {
    dataProtection: ['GetItem', 'PutItem', 'Query'],
    // A repeated erasure request: whether the erased user has data again (one key read per table).
    tokenUsage: ['Query'],
    tokenAnalytics: ['Query'],
    analyticsCache: ['Query'],
    usagePatterns: ['Query'],
    costThresholds: ['Query'],
    thresholdBreaches: ['Query'],
    alertingConfig: ['Query'],
    autoControlConfig: ['Query'],
    controlActions: ['Query'],
  },
  putsEvents: true,
  memoryMb: 256,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  },
});
