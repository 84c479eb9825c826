import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';
import { parseIdentityMap } from '../usage/use-cases/import-invocation-logs.js';
import { INGEST_REACTION_TABLES } from './ingest-reactions.js';

const isIdentityMap = (text: string): boolean => {
  try {
    parseIdentityMap(text);
    return true;
  } catch {
    return false;
  }
};

export const spec = defineFunction({
  name: 'usage-api',
  description:
    'Usage context: records model calls exactly once (with threshold detection and cost control after the write), analytics, projections, recommendations, benchmarks, export and the tenant-wide user list.',
  tables: {
    tokenUsage: ['PutItem', 'GetItem', 'Query'],
    tokenAnalytics: ['UpdateItem', 'GetItem', 'BatchGetItem', 'Query'],
    analyticsCache: ['GetItem', 'PutItem'],
    usagePatterns: ['PutItem'],
    benchmarks: ['Query'],
    // Reconciliation rows, under their own prefix of the monitoring table.
    costMonitoring: ['Query'],
    // The tenant's effective catalog (pricing context), and the counter of a tenant version's events.
    modelPrices: ['Query', 'UpdateItem'],
    // Reactions on the ingest path, wired to the alerting and control contexts.
    ...INGEST_REACTION_TABLES,
    // GET /users: the users' control levels and open breaches (gsi3), besides the ingest reactions.
    autoControlConfig: [...INGEST_REACTION_TABLES.autoControlConfig, 'BatchGetItem'],
    thresholdBreaches: [...INGEST_REACTION_TABLES.thresholdBreaches, 'Query'],
  },
  putsEvents: true,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
    /** The `requestMetadata` key that names the user of an invocation log record. */
    INVOCATION_LOG_USER_KEY: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'userId'),
    /** JSON object: IAM role, assumed-role session or user ARN → user id, for log records naming no user. */
    INVOCATION_LOG_IDENTITY_MAP: z.optional(
      z.string().check(z.refine(isIdentityMap, 'must be a JSON object of ARN → user id')),
    ),
  },
});
