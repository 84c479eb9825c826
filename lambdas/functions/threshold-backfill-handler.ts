import { completePeriodTotal } from '../alerting/use-cases/backfill-period.js';
import { thresholdBackfillDeps } from '../alerting/wiring.js';
import type { ServiceEvent, ThresholdBackfillRequestedDetail } from '../platform/events/event-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { aggregateStore, usageRecordReader } from '../usage/wiring.js';
import { spec } from './threshold-backfill-environment.js';

const env = loadEnvironment(spec);
const deps = thresholdBackfillDeps(env, { records: usageRecordReader(env), totals: aggregateStore(env) });

/**
 * EventBridge target for `ThresholdBackfillRequested`: completes the zone period total of a
 * threshold that started watching. Idempotent (a redelivery adds nothing); an error is thrown so
 * EventBridge retries the event, then the dead-letter queue (and the sweep asks again).
 */
export const handler = async (event: ServiceEvent<ThresholdBackfillRequestedDetail>) => {
  const result = await completePeriodTotal(deps, event.detail);
  logger.info('threshold backfill', { thresholdId: event.detail.thresholdId, ...result });
  return result;
};
