import type { ScheduledEvent } from 'aws-lambda';
import { runSweep } from '../alerting/use-cases/sweep.js';
import { sweepDeps } from '../alerting/wiring.js';
import { resetExpiredPeriods } from '../control/use-cases/reset-periods.js';
import { controlDeps } from '../control/wiring.js';
import { busPublisher } from '../platform/events/bus-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { resumeErasures } from '../privacy/use-cases/run-erasure.js';
import { erasureStore } from '../privacy/wiring.js';
import { aggregateStore } from '../usage/wiring.js';
import { spec } from './sweep-environment.js';

const env = loadEnvironment(spec);
const spend = aggregateStore(env);
const deps = sweepDeps(env, spend);
const control = controlDeps(env, spend);
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

/** EventBridge schedule target (every 15 minutes); the local runtime calls it on a timer and on demand. */
export const handler = async (_event?: Partial<ScheduledEvent>) => {
  const now = new Date();
  const summary = await runSweep(deps, now);
  const controlPeriods = await resetExpiredPeriods(control, now);
  const erasuresResumed = await resumeOpenErasures(now);
  logger.info('sweep finished', { ...summary, controlPeriods, erasuresResumed });
  return { ...summary, controlPeriods, erasuresResumed };
};
