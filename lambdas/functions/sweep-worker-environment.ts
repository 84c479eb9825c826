import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'sweep-worker',
  description:
    'One shard of the threshold sweep (SweepShardRequested): forecast, percentage and absolute thresholds, escalation, resolution, redelivery; notices go to the notifier as events; a run short of time hands the rest on.',
  tables: {
    costThresholds: ['Query'],
    thresholdBreaches: ['PutItem', 'Query', 'UpdateItem'],
    alertingConfig: ['GetItem'],
    tokenAnalytics: ['BatchGetItem', 'Query'],
    costMonitoring: ['PutItem'],
    // The tenant's history retention: the expiry of the breaches it opens.
    dataProtection: ['GetItem'],
  },
  putsEvents: true,
  timeoutSeconds: 300,
  memoryMb: 1024,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
    /** A breach notice still pending this long after detection is asked for again. */
    REDELIVER_AFTER_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(86_400)), 120),
    /** Thresholds per batch (one batch read of their spend); default 200. */
    SWEEP_BATCH_SIZE: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000))),
    /**
     * Time a run keeps back: with less left it takes no further batch and hands the rest of its
     * shard on. Default 60 (a batch takes a few seconds; see docs/BENCHMARKS.md).
     */
    SWEEP_RESERVE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(600)), 60),
    /** A run's time where the invocation does not say (the local runtime); default 240. */
    SWEEP_BUDGET_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(3600)), 240),
  },
});
