import type { ScheduledEvent } from 'aws-lambda';
import { sweepDeps } from '../shared/alerting-wiring.js';
import { controlDeps } from '../shared/control-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { logger } from '../shared/logger.js';
import { resetExpiredPeriods } from '../shared/use-cases/auto-control.js';
import { runSweep } from '../shared/use-cases/sweep.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const deps = sweepDeps(env);
const control = controlDeps(env);

/** EventBridge schedule target (every 15 minutes); the local runtime calls it on a timer and on demand. */
export const handler = async (_event?: Partial<ScheduledEvent>) => {
  const now = new Date();
  const summary = await runSweep(deps, now);
  const controlPeriods = await resetExpiredPeriods(control, now);
  logger.info('sweep finished', { ...summary, controlPeriods });
  return { ...summary, controlPeriods };
};
