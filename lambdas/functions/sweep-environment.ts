import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'sweep',
  description:
    'Every 15 minutes: fans the threshold sweep out (one SweepShardRequested per shard for the sweep workers), then cost-control period resets, retention jobs (a changed retention applied to stored items), and erasure jobs left open.',
  tables: {
    // Active breaches of the earlier index moved to their threshold's shard; breach expiry (retention jobs).
    thresholdBreaches: ['Query', 'UpdateItem'],
    // Period spend of cost-control resets; UpdateItem: the expiry of unpriced summaries (retention jobs).
    tokenAnalytics: ['BatchGetItem', 'Query', 'GetItem', 'UpdateItem'],
    autoControlConfig: ['Query', 'GetItem', 'UpdateItem'],
    controlActions: ['PutItem', 'Query', 'UpdateItem'],
    // Retention jobs: raw records have no tenant-wide index, so a job pages through a filtered Scan.
    tokenUsage: ['Scan', 'UpdateItem'],
    // Settings (expiry of new breaches and entries), the open retention jobs and their progress, audit
    // expiry; erasure jobs left pending or running (a lost event, a crashed run) are put on the bus again.
    dataProtection: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
  },
  putsEvents: true,
  timeoutSeconds: 300,
  memoryMb: 1024,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
    /** An erasure job still open this long after its request is started again (a running one ignores it). */
    ERASURE_RESUME_AFTER_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(86_400)), 300),
  },
});
