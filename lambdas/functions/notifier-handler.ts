import { notifyBreach } from '../alerting/use-cases/notify-breach.js';
import { notifyDeps } from '../alerting/wiring.js';
import {
  BREACH_NOTICE_REQUESTED,
  type BreachNoticeRequestedDetail,
  type ServiceEvent,
  type ThresholdBreachedDetail,
} from '../platform/events/event-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { emitMetrics } from '../platform/metrics.js';
import { aggregateStore } from '../usage/wiring.js';
import { spec } from './notifier-environment.js';

const env = loadEnvironment(spec);
const deps = notifyDeps(env, aggregateStore(env));

type NoticeEvent = ServiceEvent<ThresholdBreachedDetail> | ServiceEvent<BreachNoticeRequestedDetail>;

const isRequested = (event: NoticeEvent): event is ServiceEvent<BreachNoticeRequestedDetail> =>
  event['detail-type'] === BREACH_NOTICE_REQUESTED;

/**
 * EventBridge target for `ThresholdBreached` (the breach notice) and `BreachNoticeRequested` (a
 * resolution, escalation or redelivery the sweep asks for): sends the notice on each channel it
 * can claim. A requested notice is handled as of its request time or later, never earlier.
 * Channel failures are recorded on the breach and sent to the dead-letter queue, not thrown; an
 * error reading or writing the breach is thrown so EventBridge retries the event.
 */
export const handler = async (event: NoticeEvent) => {
  const { tenantId, breachId } = event.detail;
  const requested = isRequested(event) ? event.detail : undefined;
  const kind = requested?.kind ?? 'breach';
  const at = Math.max(Date.now(), requested ? Date.parse(requested.requestedAt) || 0 : 0);
  const results = await notifyBreach(deps, tenantId, breachId, kind, new Date(at));
  emitMetrics({
    alertsSent: results.filter((r) => r.status === 'sent').length,
    alertsFailed: results.filter((r) => r.status === 'failed').length,
  });
  logger.info('breach notified', { breachId, kind, results: results.map((r) => `${r.channel}:${r.status}`) });
  return { breachId, kind, results };
};
