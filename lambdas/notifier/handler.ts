import { notifyDeps } from '../shared/alerting-wiring.js';
import type { ServiceEvent, ThresholdBreachedDetail } from '../shared/events/event-publisher.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { logger } from '../shared/logger.js';
import { emitMetrics } from '../shared/metrics.js';
import { notifyBreach } from '../shared/use-cases/notify-breach.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const deps = notifyDeps(env);

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
