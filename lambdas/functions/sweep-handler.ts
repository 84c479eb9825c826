import type { Context, ScheduledEvent } from 'aws-lambda';
import { startSweep } from '../alerting/use-cases/sweep-fan-out.js';
import { breachExpiry, sweepStartDeps } from '../alerting/wiring.js';
import { resetExpiredPeriods } from '../control/use-cases/reset-periods.js';
import { controlDeps, controlHistoryExpiry } from '../control/wiring.js';
import { busPublisher } from '../platform/events/bus-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { emitMetrics } from '../platform/metrics.js';
import { resumeErasures } from '../privacy/use-cases/run-erasure.js';
import { runRetentionJobs } from '../privacy/use-cases/run-retention-jobs.js';
import { auditExpiry, erasureStore, retentionJobStore, retentionPolicy } from '../privacy/wiring.js';
import { aggregateStore, usageExpiry } from '../usage/wiring.js';
import { spec } from './sweep-environment.js';

const env = loadEnvironment(spec);
const spend = aggregateStore(env);
const retention = retentionPolicy(env);
const fanOut = sweepStartDeps(env);
const control = controlDeps(env, spend, { retention });
/** The tenant's stored items that expire, in the order a retention job rewrites them. */
const retentionJobs = {
  jobs: retentionJobStore(env),
  parts: [...usageExpiry(env), breachExpiry(env), controlHistoryExpiry(env), auditExpiry(env)],
};
/** Time the coordinator gives moving active breaches of the earlier index before it fans out. */
const REINDEX_BUDGET_MS = 60_000;
/** Time a run leaves for its retention jobs when it does not know its own deadline (local runtime). */
const DEFAULT_JOB_BUDGET_MS = 120_000;
/** Time kept back from the function's timeout to save a job's last page. */
const JOB_MARGIN_MS = 30_000;
const erasures = { store: erasureStore(env), publisher: busPublisher(env) };

/** Erasure jobs put on the bus again; a failure is logged and left to the next sweep. */
async function resumeOpenErasures(now: Date): Promise<number> {
  try {
    const resumed = await resumeErasures(erasures, now.getTime(), env.ERASURE_RESUME_AFTER_SECONDS * 1000);
    return resumed.length;
  } catch (error) {
    logger.error('erasure jobs not resumed', { error: error as Error });
    return 0;
  }
}

/**
 * EventBridge schedule target (every 15 minutes): the coordinator of the sweep. It puts one
 * `SweepShardRequested` per threshold shard on the bus (the sweep workers evaluate the thresholds
 * and breaches), then runs the jobs that are not per threshold: cost-control period resets,
 * erasure jobs left open, retention jobs. A shard that could not be requested counts in
 * `SweepFailures`. The local runtime calls it on a timer and on demand.
 */
export const handler = async (_event?: Partial<ScheduledEvent>, context?: Partial<Context>) => {
  const started = Date.now();
  const now = new Date(started);
  const shards = await startSweep(fanOut, now, started + REINDEX_BUDGET_MS);
  emitMetrics({ sweepFailures: shards.failed });
  const controlPeriods = await resetExpiredPeriods(control, now);
  const erasuresResumed = await resumeOpenErasures(now);
  // Retention jobs use what time is left; an unfinished job resumes from its saved page next run.
  const deadline = context?.getRemainingTimeInMillis
    ? Date.now() + context.getRemainingTimeInMillis() - JOB_MARGIN_MS
    : started + DEFAULT_JOB_BUDGET_MS;
  const jobs = await runRetentionJobs(retentionJobs, now, deadline);
  logger.info('sweep started', { shards, controlPeriods, erasuresResumed, retentionJobs: jobs });
  return { shards, controlPeriods, erasuresResumed, retentionJobs: jobs };
};
