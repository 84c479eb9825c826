import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { documentClient } from '../platform/dynamo-client.js';
import {
  BREACH_NOTICE_REQUESTED,
  type BreachNoticeRequestedDetail,
  type DomainEvent,
  type EventPublisher,
  THRESHOLD_BREACHED,
} from '../platform/events/event-publisher.js';
import { EventBridgePublisher } from '../platform/events/eventbridge-publisher.js';
import { localEventBus } from '../platform/events/local-event-bus.js';
import { localAdapters } from '../platform/local-adapters.js';
import { logger } from '../platform/logger.js';
import { emitMetrics } from '../platform/metrics.js';
import type { RetentionPolicy } from '../privacy/ports/settings-store.js';
import type { AggregateReader } from '../usage/ports/read-stores.js';
import {
  SesEmailSender,
  SnsSmsSender,
  SnsTopicPublisher,
  SqsDeadLetterSink,
} from './adapters/aws-senders.js';
import { DynamoAlertingConfigStore } from './adapters/dynamo-alerting-config-store.js';
import { DynamoBreachStore } from './adapters/dynamo-breach-store.js';
import { DynamoSweepLog } from './adapters/dynamo-sweep-log.js';
import { DynamoThresholdStore } from './adapters/dynamo-threshold-store.js';
import { DynamoAlertingDataEraser } from './adapters/dynamo-user-data-eraser.js';
import { HttpWebhookSender } from './adapters/webhook-sender.js';
import type { Threshold } from './ports/alerting-store.js';
import { type DeadLetterSink, LOCAL_CHANNELS, type LocalChannels } from './ports/senders.js';
import { type BackfillDeps, backfillRequested } from './use-cases/backfill-period.js';
import {
  type SpendReader,
  ThresholdCache,
  thresholdAggregates,
  thresholdReactor,
} from './use-cases/detect-breaches.js';
import type { NotifyDeps } from './use-cases/notify-breach.js';
import type { SweepDeps } from './use-cases/sweep.js';
import type { StartSweepDeps } from './use-cases/sweep-fan-out.js';

export const thresholdStore = (env: { COST_THRESHOLDS_TABLE: string }) =>
  new DynamoThresholdStore(documentClient(), env.COST_THRESHOLDS_TABLE);

/** Breaches; with the tenant's `retention`, each new breach carries its expiry (history retention). */
export const breachStore = (env: { THRESHOLD_BREACHES_TABLE: string }, retention?: RetentionPolicy) =>
  new DynamoBreachStore(
    documentClient(),
    env.THRESHOLD_BREACHES_TABLE,
    undefined,
    retention ? async (tenantId) => (await retention.retentionOf(tenantId)).historyDays : undefined,
  );

export const alertingConfigStore = (env: { ALERTING_CONFIG_TABLE: string }) =>
  new DynamoAlertingConfigStore(documentClient(), env.ALERTING_CONFIG_TABLE);

/** Webhooks to http and private addresses are allowed only where the environment says so (local runtime). */
export const allowHttpWebhooks = (): boolean => process.env.ALLOW_HTTP_WEBHOOKS === 'true';

/**
 * The event bus: the in-process bus when the local runtime installed one, EventBridge when the
 * function has a bus, otherwise a publisher that fails (the breach stays pending for the sweep).
 */
export function eventPublisher(env: { EVENT_BUS_NAME?: string | undefined }): EventPublisher {
  let eventBridge: EventBridgePublisher | undefined;
  return {
    async publish(events: readonly DomainEvent[]) {
      const local = localEventBus();
      if (local) await local.publish(events);
      else {
        if (!env.EVENT_BUS_NAME) throw new Error('no event bus configured');
        eventBridge ??= new EventBridgePublisher(
          new EventBridgeClient({ maxAttempts: 3 }),
          env.EVENT_BUS_NAME,
        );
        await eventBridge.publish(events);
      }
      emitMetrics({ thresholdBreaches: events.filter((e) => e.detailType === THRESHOLD_BREACHED).length });
    },
  };
}

export interface NotifierEnv {
  THRESHOLD_BREACHES_TABLE: string;
  ALERTING_CONFIG_TABLE: string;
  TOKEN_ANALYTICS_TABLE: string;
  SENDER_EMAIL: string;
  EMERGENCY_TOPIC_ARN?: string | undefined;
  DEAD_LETTER_QUEUE_URL?: string | undefined;
  NOTIFY_ATTEMPTS?: number | undefined;
  NOTIFY_BACKOFF_MS?: number | undefined;
  NOTIFY_RETRY_AFTER_SECONDS?: number | undefined;
  NOTIFY_DEADLINE_SECONDS?: number | undefined;
  CONSOLE_URL?: string | undefined;
}

function deadLetterSink(env: NotifierEnv): DeadLetterSink {
  if (env.DEAD_LETTER_QUEUE_URL) return new SqsDeadLetterSink(new SQSClient({}), env.DEAD_LETTER_QUEUE_URL);
  return {
    send: async (entry) => {
      logger.error('notice failed and no dead-letter queue is configured', { entry });
    },
  };
}

/**
 * The channels: AWS (SES, SNS, SQS), each unless the local runtime installed its own in its place
 * (the SES emulator, the SMS log, the dead-letter file).
 */
export function notifyDeps(
  env: NotifierEnv,
  days: Pick<AggregateReader, 'readDays'>,
  local: LocalChannels = localAdapters(LOCAL_CHANNELS) ?? {},
): NotifyDeps {
  let sns: SNSClient | undefined;
  const snsClient = () => {
    sns ??= new SNSClient({ maxAttempts: 1 });
    return sns;
  };
  const topic =
    local.emergencyTopic ??
    (env.EMERGENCY_TOPIC_ARN ? new SnsTopicPublisher(snsClient(), env.EMERGENCY_TOPIC_ARN) : undefined);
  return {
    breaches: breachStore(env),
    alerting: alertingConfigStore(env),
    aggregates: days,
    email: local.email ?? new SesEmailSender(new SESv2Client({ maxAttempts: 1 }), env.SENDER_EMAIL),
    sms: local.sms ?? new SnsSmsSender(snsClient()),
    webhook: new HttpWebhookSender({ allowPrivate: allowHttpWebhooks() }),
    ...(topic ? { emergencyTopic: topic } : {}),
    deadLetter: local.deadLetter ?? deadLetterSink(env),
    ...(env.CONSOLE_URL ? { consoleUrl: env.CONSOLE_URL } : {}),
    retry: {
      attempts: env.NOTIFY_ATTEMPTS ?? 3,
      baseDelayMs: env.NOTIFY_BACKOFF_MS ?? 500,
      ...(env.NOTIFY_RETRY_AFTER_SECONDS !== undefined
        ? { roundBackoffMs: env.NOTIFY_RETRY_AFTER_SECONDS * 1000 }
        : {}),
      ...(env.NOTIFY_DEADLINE_SECONDS !== undefined
        ? { deadlineMs: env.NOTIFY_DEADLINE_SECONDS * 1000 }
        : {}),
    },
  };
}

/**
 * Threshold detection on the ingest path: zone period totals added with each event, and the
 * reactor. `spend` is the usage context's aggregate store, wired by the composition root.
 */
export function thresholdDetection(
  env: {
    COST_THRESHOLDS_TABLE: string;
    THRESHOLD_BREACHES_TABLE: string;
    EVENT_BUS_NAME?: string | undefined;
  },
  spend: SpendReader,
  retention?: RetentionPolicy,
) {
  const cache = new ThresholdCache(thresholdStore(env));
  return {
    extraAggregates: thresholdAggregates(cache),
    reactor: thresholdReactor({
      cache,
      spend,
      breaches: breachStore(env, retention),
      publisher: eventPublisher(env),
      known: new Set<string>(),
    }),
  };
}

/**
 * The sweep's notices as events: a `BreachNoticeRequested` per notice, which the notifier takes
 * (exactly once per channel through its claims), so a sweep worker never waits on a provider.
 */
export function noticeRequester(publisher: EventPublisher): SweepDeps['notify'] {
  return async (tenantId, breachId, kind, now) => {
    const detail: BreachNoticeRequestedDetail = { tenantId, breachId, kind, requestedAt: now.toISOString() };
    await publisher.publish([{ detailType: BREACH_NOTICE_REQUESTED, detail: { ...detail } }]);
  };
}

/**
 * Everything a sweep worker needs, from its validated environment; `usage` is the usage context's
 * aggregate store (period spend and daily totals), wired by the composition root. Notices go to
 * the notifier as events (the bus of the local runtime when it installed one).
 */
export function sweepDeps(
  env: {
    COST_THRESHOLDS_TABLE: string;
    THRESHOLD_BREACHES_TABLE: string;
    ALERTING_CONFIG_TABLE: string;
    COST_MONITORING_TABLE: string;
    EVENT_BUS_NAME?: string | undefined;
    REDELIVER_AFTER_SECONDS: number;
    SWEEP_BATCH_SIZE?: number | undefined;
  },
  usage: SpendReader & Pick<AggregateReader, 'readDays'>,
  retention?: RetentionPolicy,
): SweepDeps {
  const publisher = eventPublisher(env);
  return {
    thresholds: thresholdStore(env),
    // The sweep opens breaches (forecast, percentage, safety net): they carry their expiry.
    breaches: breachStore(env, retention),
    spend: usage,
    aggregates: usage,
    alerting: alertingConfigStore(env),
    publisher,
    notify: noticeRequester(publisher),
    log: new DynamoSweepLog(documentClient(), env.COST_MONITORING_TABLE),
    redeliverAfterMs: env.REDELIVER_AFTER_SECONDS * 1000,
    ...(env.SWEEP_BATCH_SIZE ? { batchSize: env.SWEEP_BATCH_SIZE } : {}),
  };
}

/** Asks for the backfill of a threshold that starts watching in another zone than UTC (on the bus). */
export function backfillRequester(env: { EVENT_BUS_NAME?: string | undefined }) {
  const publisher = eventPublisher(env);
  return (tenantId: string, threshold: Threshold) =>
    publisher.publish([backfillRequested(tenantId, threshold)]);
}

/** The sweep's coordinator: the breach index it tidies and the bus it fans the shards out on. */
export function sweepStartDeps(env: {
  THRESHOLD_BREACHES_TABLE: string;
  EVENT_BUS_NAME?: string | undefined;
}): StartSweepDeps {
  const breaches = breachStore(env);
  return { breaches, publisher: eventPublisher(env), shards: breaches.shards };
}

/**
 * The threshold-backfill function's dependencies: thresholds, and the usage context's records and
 * period totals (wired by the composition root).
 */
export function thresholdBackfillDeps(
  env: { COST_THRESHOLDS_TABLE: string },
  usage: Pick<BackfillDeps, 'records' | 'totals'>,
  settleMs = 1000,
): BackfillDeps {
  return { thresholds: thresholdStore(env), ...usage, settleMs };
}

/** What the alerting context holds of a user, for erasure: thresholds, breaches, contacts. */
export const alertingDataEraser = (env: {
  COST_THRESHOLDS_TABLE: string;
  THRESHOLD_BREACHES_TABLE: string;
  ALERTING_CONFIG_TABLE: string;
}) =>
  new DynamoAlertingDataEraser(documentClient(), {
    thresholds: env.COST_THRESHOLDS_TABLE,
    breaches: env.THRESHOLD_BREACHES_TABLE,
    config: env.ALERTING_CONFIG_TABLE,
  });
/** The breaches' expiry rewriter (retention jobs). */
export const breachExpiry = (env: { THRESHOLD_BREACHES_TABLE: string }) => breachStore(env);
