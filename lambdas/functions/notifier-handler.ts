import { notifyBreach } from '../alerting/use-cases/notify-breach.js';
import { notifyDeps } from '../alerting/wiring.js';
import type { ServiceEvent, ThresholdBreachedDetail } from '../platform/events/event-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { emitMetrics } from '../platform/metrics.js';
import { aggregateStore } from '../usage/wiring.js';
import { spec } from './notifier-environment.js';

const env = loadEnvironment(spec);
const deps = notifyDeps(env, aggregateStore(env));

/**
 * EventBridge target for `ThresholdBreached`: sends the breach notice on each pending channel.
 * Channel failures are recorded on the breach and sent to the dead-letter queue, not thrown; an
 * error reading or writing the breach is thrown so EventBridge retries the event.
 */
export const handler = async (event: ServiceEvent<ThresholdBreachedDetail>) => {
  const { tenantId, breachId } = event.detail;
  const results = await notifyBreach(deps, tenantId, breachId, 'breach', new Date());
  emitMetrics({
    alertsSent: results.filter((r) => r.status === 'sent').length,
    alertsFailed: results.filter((r) => r.status === 'failed').length,
  });
  logger.info('breach notified', { breachId, results: results.map((r) => `${r.channel}:${r.status}`) });
  return { breachId, results };
};
