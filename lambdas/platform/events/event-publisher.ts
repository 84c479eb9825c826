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
