import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';
import { parseTenantMap } from '../usage/use-cases/capture-invocation-logs.js';
import { INGEST_REACTION_TABLES } from './ingest-reactions.js';
import { spec as usageApi } from './usage-api-environment.js';

const isTenantMap = (text: string): boolean => {
  try {
    parseTenantMap(text);
    return true;
  } catch {
    return false;
  }
};

/** JSON object: 12-digit account id or IAM role ARN → tenant id (the deployment's `captureTenants`). */
export const CAPTURE_TENANTS_ENV = {
  CAPTURE_TENANTS: z._default(
    z.string().check(z.refine(isTenantMap, 'must be a JSON object of account id or role ARN → tenant id')),
    '{}',
  ),
};

export const spec = defineFunction({
  name: 'invocation-logs',
  description:
    'Captures Bedrock model invocation logs as they are delivered (CloudWatch Logs subscription, S3 delivery): records every call once, for the tenant its account or role maps to, with threshold detection and cost control after the write.',
  tables: {
    // The ingest of POST /invocation-logs: records exactly once, aggregates, the tenant's catalog.
    tokenUsage: ['PutItem', 'GetItem'],
    tokenAnalytics: ['UpdateItem', 'GetItem', 'BatchGetItem', 'Query'],
    modelPrices: ['Query', 'UpdateItem'],
    ...INGEST_REACTION_TABLES,
  },
  putsEvents: true,
  timeoutSeconds: 300,
  memoryMb: 1024,
  env: {
    /** Set by the infrastructure (putsEvents); optional so tests can use the in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
    // Attribution as on the API path: the same variables, set from the same deployment settings.
    INVOCATION_LOG_USER_KEY: usageApi.env.INVOCATION_LOG_USER_KEY,
    INVOCATION_LOG_IDENTITY_MAP: usageApi.env.INVOCATION_LOG_IDENTITY_MAP,
    ...CAPTURE_TENANTS_ENV,
  },
});
