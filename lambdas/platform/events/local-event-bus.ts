import { installLocalAdapters, localAdapters, localSlot } from '../local-adapters.js';
import type { EventPublisher } from './event-publisher.js';

/** Where the local runtime puts its in-process bus; a deployed function finds nothing here. */
const LOCAL_EVENT_BUS = localSlot<EventPublisher>('event-bus');

/** The local runtime installs its bus here; handlers in the same process publish to it. */
export function installLocalEventBus(bus: EventPublisher | undefined): void {
  installLocalAdapters(LOCAL_EVENT_BUS, bus);
}

export function localEventBus(): EventPublisher | undefined {
  return localAdapters(LOCAL_EVENT_BUS);
}
