import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'privacy-api',
  description:
    "The tenant's data-protection settings (retention) and the audit log of configuration changes.",
  tables: {
    // Settings, the audit log, and the retention job a change records (one transaction).
    dataProtection: ['GetItem', 'PutItem', 'Query'],
  },
  memoryMb: 256,
  env: {
    /**
     * Seconds between a retention change and the start of its job over stored items; default 65 (the
     * functions' one-minute retention cache plus a margin). The local runtime, whose functions share
     * one cache, sets 0.
     */
    RETENTION_JOB_DELAY_SECONDS: z.optional(z.coerce.number().check(z.int(), z.gte(0), z.lte(3600))),
  },
});
