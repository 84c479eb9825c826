import type { UsageRecord } from './usage-store.js';

/**
 * Port: work that follows a successful write on the ingest path (threshold detection, cost
 * control, metrics), implemented by the reacting contexts and wired by the composition root.
 * A reactor sees only newly recorded events, never replays. It must not throw for a problem of
 * its own: the events are already recorded and acknowledged; it records its failures itself.
 */
export type IngestReactor = (tenantId: string, recorded: UsageRecord[], now: Date) => Promise<void>;
