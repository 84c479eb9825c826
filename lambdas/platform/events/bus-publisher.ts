import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DomainEvent, EventPublisher } from './event-publisher.js';
import { EventBridgePublisher } from './eventbridge-publisher.js';
import { localEventBus } from './local-event-bus.js';

/**
 * The service bus: the in-process bus when the local runtime installed one, EventBridge when the
 * function has a bus name, otherwise a publisher that fails (callers leave the work to the sweep).
 */
export function busPublisher(env: { EVENT_BUS_NAME?: string | undefined }): EventPublisher {
  let eventBridge: EventBridgePublisher | undefined;
  return {
    async publish(events: readonly DomainEvent[]) {
      const local = localEventBus();
      if (local) return local.publish(events);
      if (!env.EVENT_BUS_NAME) throw new Error('no event bus configured');
      eventBridge ??= new EventBridgePublisher(new EventBridgeClient({ maxAttempts: 3 }), env.EVENT_BUS_NAME);
      await eventBridge.publish(events);
    },
  };
}
