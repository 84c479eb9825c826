import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'erasure',
  description:
    "Runs erasure jobs (DELETE /users/{userId}) from ErasureRequested events: deletes the user's records, thresholds, breaches, contacts, control config and history, cached results and patterns, and moves the aggregates to a pseudonym.",
  tables: {
    // The job: taken under a lease, progress, completion (the open-list entry deleted); the tenant's
    // history retention; audit entries naming the user, rewritten under the pseudonym.
    dataProtection: ['GetItem', 'UpdateItem', 'DeleteItem', 'Query'],
    // Raw records by the user index; a record waiting for a price leaves the unpriced summary in a transaction.
    tokenUsage: ['Query', 'BatchWriteItem', 'DeleteItem'],
    // Aggregates moved to the pseudonym (a transaction per item), the unpriced summary decremented.
    tokenAnalytics: ['Query', 'UpdateItem', 'DeleteItem'],
    analyticsCache: ['Query', 'BatchWriteItem'],
    usagePatterns: ['Query', 'BatchWriteItem'],
    costThresholds: ['Query', 'BatchWriteItem'],
    thresholdBreaches: ['Query', 'BatchWriteItem'],
    alertingConfig: ['Query', 'BatchWriteItem'],
    autoControlConfig: ['Query', 'BatchWriteItem'],
    controlActions: ['Query', 'BatchWriteItem'],
  },
  putsEvents: true,
  timeoutSeconds: 300,
  memoryMb: 256,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
    /** Work per invocation before the job is saved and handed to a fresh one (the Lambda timeout is 300 s). */
    ERASURE_WORK_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(270)), 240),
    /** How long a run holds its job: longer than the timeout, so only a crashed run's lease expires. */
    ERASURE_LEASE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(3600)), 360),
  },
});
