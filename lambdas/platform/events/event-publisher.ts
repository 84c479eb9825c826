import type { EventBridgeEvent } from 'aws-lambda';

/** `source` of every event the service puts on its bus. */
export const EVENT_SOURCE = 'cost-management';

export const THRESHOLD_BREACHED = 'ThresholdBreached';

/** A tenant's usage waiting for a price is to be repriced in the background, from `resume` on. */
export const REPRICING_REQUESTED = 'RepricingRequested';

/** What a `RepricingRequested` event carries: the tenant, and where the previous run stopped. */
export interface RepricingRequestedDetail {
  tenantId: string;
  resume?: { modelId: string; after?: Record<string, unknown> };
}

/** What a `ThresholdBreached` event carries: enough to find the breach, and a summary for other consumers. */
export interface ThresholdBreachedDetail {
  tenantId: string;
  breachId: string;
  thresholdId: string;
  userId: string;
  level: 'warning' | 'critical' | 'emergency';
  periodKey: string;
  spendNano: number;
  limitNano: number;
  detectedAt: string;
}

/**
 * A threshold in a zone other than UTC started watching (created, enabled, moved to another zone
 * or period): the threshold-backfill function adds the records written before `backfillBefore` to
 * its zone's period total and marks the threshold's period totals complete.
 */
export const THRESHOLD_BACKFILL_REQUESTED = 'ThresholdBackfillRequested';

/** What a `ThresholdBackfillRequested` event carries: the threshold and the instant it started watching. */
export interface ThresholdBackfillRequestedDetail {
  tenantId: string;
  thresholdId: string;
  backfillBefore: string;
}

/**
 * One shard of the threshold sweep to evaluate (the sweep's coordinator puts one per shard on the
 * bus every 15 minutes; a worker short of time puts one for the rest of its shard, `after` the last
 * threshold it took). The sweep worker takes it.
 */
export const SWEEP_SHARD_REQUESTED = 'SweepShardRequested';

/** Where a sweep worker stopped: the last threshold it took, in the order of its shard's listing. */
export interface SweepPosition {
  tenantId: string;
  thresholdId: string;
}

/** What a `SweepShardRequested` event carries. */
export interface SweepShardRequestedDetail {
  shard: number;
  /** When the coordinator requested the sweep this item belongs to (ISO 8601). */
  sweepAt: string;
  /** A continuation: the thresholds after this position are left; absent: the whole shard. */
  after?: SweepPosition;
  /** How many runs of this shard came before in this sweep (0 for the coordinator's item). */
  part?: number;
}

/**
 * A notice the sweep asks the notifier to send: a resolution, an escalation, or a breach notice
 * still pending (redelivery). The notifier takes it as it takes `ThresholdBreached`.
 */
export const BREACH_NOTICE_REQUESTED = 'BreachNoticeRequested';

/** What a `BreachNoticeRequested` event carries: the breach's key, the kind of notice, and when it was asked for. */
export interface BreachNoticeRequestedDetail {
  tenantId: string;
  breachId: string;
  kind: 'breach' | 'resolution' | 'escalation';
  /** When the sweep asked for it (ISO 8601): the notifier never handles it as of an earlier time. */
  requestedAt: string;
}

/** An erasure job to run (or to go on with): the privacy context's erasure function takes it. */
export const ERASURE_REQUESTED = 'ErasureRequested';

/** What an `ErasureRequested` event carries: the job's key only, never the user id. */
export interface ErasureRequestedDetail {
  tenantId: string;
  erasureId: string;
}

export interface DomainEvent<D = Record<string, unknown>> {
  detailType: string;
  detail: D;
}

export type ServiceEvent<D = Record<string, unknown>> = EventBridgeEvent<string, D>;

/** Port: puts domain events on the service's event bus. Throws when an event was not accepted. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}
