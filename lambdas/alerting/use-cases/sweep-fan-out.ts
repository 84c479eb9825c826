import {
  type EventPublisher,
  SWEEP_SHARD_REQUESTED,
  type SweepShardRequestedDetail,
} from '../../platform/events/event-publisher.js';
import { logger } from '../../platform/logger.js';
import type { BreachStore } from '../ports/alerting-store.js';
import { type ShardBudget, type SweepDeps, type SweepSummary, sweepShard } from './sweep.js';

export interface StartSweepDeps {
  breaches: Pick<BreachStore, 'reindexLegacyActive'>;
  publisher: EventPublisher;
  /** Shards of the thresholds' sweep index: one work item each. */
  shards: number;
}

export interface SweepStarted {
  shards: number;
  /** Shards whose work item is on the bus. */
  requested: number;
  /** Shards whose work item could not be put on the bus: they wait for the next sweep. */
  failed: number;
  /** Active breaches moved from the index of earlier versions to their threshold's shard. */
  reindexed: number;
}

/**
 * The sweep's coordinator: moves active breaches still indexed the way of earlier versions to
 * their threshold's shard (until `deadline`; the rest next time), then puts one
 * `SweepShardRequested` per shard on the bus, each on its own so one refused entry costs one shard.
 */
export async function startSweep(deps: StartSweepDeps, now: Date, deadline: number): Promise<SweepStarted> {
  let reindexed = 0;
  try {
    const moved = await deps.breaches.reindexLegacyActive?.(deadline);
    reindexed = moved?.moved ?? 0;
    if (moved && !moved.done)
      logger.warn('sweep: active breaches of the earlier index left for the next run');
  } catch (error) {
    // Only breaches written by an earlier version wait; every other one is in its shard.
    logger.error('sweep: earlier index of active breaches not moved', { error: error as Error });
  }
  let requested = 0;
  for (let shard = 0; shard < deps.shards; shard++) {
    const detail: SweepShardRequestedDetail = { shard, sweepAt: now.toISOString(), part: 0 };
    try {
      await deps.publisher.publish([{ detailType: SWEEP_SHARD_REQUESTED, detail: { ...detail } }]);
      requested++;
    } catch (error) {
      logger.error('sweep: shard not requested', { shard, error: error as Error });
    }
  }
  return { shards: deps.shards, requested, failed: deps.shards - requested, reindexed };
}

export interface WorkerRun {
  shard: number;
  part: number;
  summary: SweepSummary;
  /** True when the run ran short of time and put a continuation for the rest of its shard on the bus. */
  continued: boolean;
}

/**
 * A sweep worker's run of one work item: the shard's thresholds and active breaches after the
 * item's position, while the budget lasts; what is left goes back on the bus as a continuation
 * starting after the last threshold taken. A continuation that cannot be put on the bus is thrown,
 * so the item is retried (the part already done is done again: every write is conditional and
 * every notice claimed per channel, so nothing is counted or sent twice).
 */
export async function runSweepWorker(
  deps: SweepDeps,
  request: SweepShardRequestedDetail,
  now: Date,
  budget: ShardBudget,
): Promise<WorkerRun> {
  const part = request.part ?? 0;
  const { summary, next } = await sweepShard(
    deps,
    now,
    { shard: request.shard, after: request.after },
    budget,
  );
  if (next) {
    const detail: SweepShardRequestedDetail = {
      shard: request.shard,
      sweepAt: request.sweepAt,
      after: next,
      part: part + 1,
    };
    await deps.publisher.publish([{ detailType: SWEEP_SHARD_REQUESTED, detail: { ...detail } }]);
  }
  return { shard: request.shard, part, summary, continued: next !== undefined };
}
