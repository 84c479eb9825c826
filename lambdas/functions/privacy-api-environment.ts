import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'privacy-api',
  description:
    "The tenant's data-protection settings (retention), the audit log of configuration changes, and erasure requests.",
  tables: {
    // Settings, the audit log, and the retention job a change records (one transaction).
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
    /**
     * Seconds between a retention change and the start of its job over stored items; default 65 (the
     * functions' one-minute retention cache plus a margin). The local runtime, whose functions share
     * one cache, sets 0.
     */
    RETENTION_JOB_DELAY_SECONDS: z.optional(z.coerce.number().check(z.int(), z.gte(0), z.lte(3600))),
  },
});
