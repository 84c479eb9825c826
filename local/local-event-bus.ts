import { randomUUID } from 'node:crypto';
import {
  type DomainEvent,
  EVENT_SOURCE,
  type EventPublisher,
  type ServiceEvent,
} from '../lambdas/platform/events/event-publisher.js';
import { logger } from '../lambdas/platform/logger.js';

export type EventTarget = (event: ServiceEvent) => Promise<unknown>;

/**
 * The local stand-in for the EventBridge bus: delivers EventBridge-shaped events, after the
 * publisher returned, to the handlers subscribed to their detail type (rule targets in AWS).
 */
export class LocalEventBus implements EventPublisher {
  private readonly targets = new Map<string, EventTarget[]>();
  private readonly inFlight = new Set<Promise<unknown>>();

  subscribe(detailType: string, target: EventTarget): void {
    this.targets.set(detailType, [...(this.targets.get(detailType) ?? []), target]);
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const e of events) {
      const event: ServiceEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': e.detailType,
        source: EVENT_SOURCE,
        account: '000000000000',
        time: new Date().toISOString(),
        region: process.env.AWS_REGION ?? 'us-east-1',
        resources: [],
        detail: e.detail,
      };
      for (const target of this.targets.get(e.detailType) ?? []) {
        const delivery = new Promise((resolve) => setImmediate(resolve))
          .then(() => target(event))
          .catch((error: unknown) =>
            logger.error('local event target failed', { detailType: e.detailType, error: error as Error }),
          );
        this.inFlight.add(delivery);
        void delivery.finally(() => this.inFlight.delete(delivery));
      }
    }
  }

  /** Resolves when every delivery started so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
