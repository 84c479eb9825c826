import type { Context } from 'aws-lambda';
import { runSweepWorker } from '../alerting/use-cases/sweep-fan-out.js';
import { sweepDeps } from '../alerting/wiring.js';
import type { ServiceEvent, SweepShardRequestedDetail } from '../platform/events/event-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { emitMetrics } from '../platform/metrics.js';
import { retentionPolicy } from '../privacy/wiring.js';
import { aggregateStore } from '../usage/wiring.js';
import { spec } from './sweep-worker-environment.js';

const env = loadEnvironment(spec);
const deps = sweepDeps(env, aggregateStore(env), retentionPolicy(env));

/**
 * EventBridge target for `SweepShardRequested`: one shard of the sweep, while the invocation's
 * time lasts (less `SWEEP_RESERVE_SECONDS`); the rest of the shard goes back on the bus. Emits
 * `SweepFailures` (thresholds and breaches of this run that failed). A continuation that cannot be
 * put on the bus is thrown, so Lambda retries the item.
 */
export const handler = async (
  event: Pick<ServiceEvent<SweepShardRequestedDetail>, 'detail'>,
  context?: Partial<Context>,
) => {
  const started = Date.now();
  const remainingMs = context?.getRemainingTimeInMillis
    ? () => (context.getRemainingTimeInMillis as () => number)()
    : () => started + env.SWEEP_BUDGET_SECONDS * 1000 - Date.now();
  const run = await runSweepWorker(deps, event.detail, new Date(started), {
    remainingMs,
    reserveMs: env.SWEEP_RESERVE_SECONDS * 1000,
  });
  emitMetrics({ sweepFailures: run.summary.failures, sweepThresholds: run.summary.thresholds });
  logger.info('sweep shard finished', {
    ...run.summary,
    shard: run.shard,
    part: run.part,
    continued: run.continued,
  });
  return run;
};
