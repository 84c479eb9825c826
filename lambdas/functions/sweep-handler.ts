import type { ScheduledEvent } from 'aws-lambda';
import { runSweep } from '../alerting/use-cases/sweep.js';
import { sweepDeps } from '../alerting/wiring.js';
import { resetExpiredPeriods } from '../control/use-cases/reset-periods.js';
import { controlDeps } from '../control/wiring.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { aggregateStore } from '../usage/wiring.js';
import { spec } from './sweep-environment.js';

const env = loadEnvironment(spec);
const spend = aggregateStore(env);
const deps = sweepDeps(env, spend);
const control = controlDeps(env, spend);

/** EventBridge schedule target (every 15 minutes); the local runtime calls it on a timer and on demand. */
export const handler = async (_event?: Partial<ScheduledEvent>) => {
  const now = new Date();
  const summary = await runSweep(deps, now);
  const controlPeriods = await resetExpiredPeriods(control, now);
  logger.info('sweep finished', { ...summary, controlPeriods });
  return { ...summary, controlPeriods };
};
