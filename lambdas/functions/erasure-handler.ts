import type { Context } from 'aws-lambda';
import { busPublisher } from '../platform/events/bus-publisher.js';
import type { ErasureRequestedDetail, ServiceEvent } from '../platform/events/event-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { type RunErasureDeps, runErasure } from '../privacy/use-cases/run-erasure.js';
import { erasureStore, retentionPolicy } from '../privacy/wiring.js';
import { spec } from './erasure-environment.js';
import { erasurePartsOf } from './erasure-parts.js';

const env = loadEnvironment(spec);
const retention = retentionPolicy(env);
const deps: RunErasureDeps = {
  store: erasureStore(env),
  parts: erasurePartsOf(env),
  publisher: busPublisher(env),
  historyDays: async (tenantId) => (await retention.retentionOf(tenantId)).historyDays,
  leaseMs: env.ERASURE_LEASE_SECONDS * 1000,
  now: () => Date.now(),
};
/** Time kept back from the invocation's remaining time for saving progress. */
const SAFETY_MS = 30_000;

/**
 * EventBridge target for `ErasureRequested`: runs the job until it completes or this invocation's
 * time is up (then the job is saved and an event goes on with it). An error is thrown after the
 * job's lease was given up, so the retry of the event takes the job over where it stopped.
 */
export const handler = async (
  event: ServiceEvent<ErasureRequestedDetail>,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => {
  const { tenantId, erasureId } = event.detail;
  const remaining = context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
  const budgetMs = Math.max(0, Math.min(env.ERASURE_WORK_SECONDS * 1000, remaining - SAFETY_MS));
  const outcome = await runErasure(deps, tenantId, erasureId, Date.now() + budgetMs);
  logger.info('erasure run finished', { erasureId, outcome });
  return { erasureId, outcome };
};
