import type { CloudWatchLogsEvent, S3Event } from 'aws-lambda';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { emitMetrics } from '../platform/metrics.js';
import {
  isS3Event,
  isSubscriptionEvent,
  s3Deliveries,
  subscriptionDelivery,
} from '../usage/adapters/invocation-log-deliveries.js';
import type { InvocationLogDelivery } from '../usage/ports/invocation-log-delivery.js';
import {
  badReasons,
  type CaptureSummary,
  captureInvocationLogs,
  parseTenantMap,
} from '../usage/use-cases/capture-invocation-logs.js';
import { parseIdentityMap } from '../usage/use-cases/import-invocation-logs.js';
import { logObjectReader } from '../usage/wiring.js';
import { ingestDeps } from './ingest-wiring.js';
import { spec } from './invocation-logs-environment.js';

const env = loadEnvironment(spec);
const deps = {
  ingest: ingestDeps(env),
  config: {
    userIdMetadataKey: env.INVOCATION_LOG_USER_KEY,
    identityMap: parseIdentityMap(env.INVOCATION_LOG_IDENTITY_MAP),
  },
  tenants: parseTenantMap(env.CAPTURE_TENANTS),
};
const objects = logObjectReader();

/** Bad records named in one log line; the rest are counted by reason. */
const LOGGED_BAD_RECORDS = 20;

async function deliveriesOf(event: unknown): Promise<InvocationLogDelivery[]> {
  if (isSubscriptionEvent(event)) return [subscriptionDelivery(event)];
  if (isS3Event(event)) return s3Deliveries(event, objects);
  return [
    {
      source: 'unknown-event',
      account: null,
      records: [],
      unreadable: [{ position: 0, reason: 'unknown-event' }],
    },
  ];
}

/**
 * Target of the CloudWatch Logs subscription on the Bedrock invocation-log group and of the S3
 * notifications of the log-delivery bucket (both invoke asynchronously: a thrown error is retried
 * twice, then the event waits in the dead-letter queue). A bad record never fails the
 * invocation: it is counted, logged by position and reason (never its content) and published as
 * `InvocationLogBadRecords`, which an alarm watches. A store or S3 failure is thrown; the retry
 * answers what was recorded as duplicates.
 */
export const handler = async (event: CloudWatchLogsEvent | S3Event): Promise<CaptureSummary> => {
  const summary = await captureInvocationLogs(deps, await deliveriesOf(event), new Date());
  emitMetrics({
    invocationLogRecorded: summary.recorded,
    invocationLogDuplicates: summary.duplicates,
    invocationLogBadRecords: summary.bad.length,
  });
  const { bad, ...counts } = summary;
  logger.info('invocation logs captured', { ...counts, bad: bad.length });
  if (bad.length > 0) {
    logger.warn('invocation log records not captured', {
      reasons: badReasons(summary),
      records: bad.slice(0, LOGGED_BAD_RECORDS),
    });
  }
  return summary;
};
