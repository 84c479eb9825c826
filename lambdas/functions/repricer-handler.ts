import type { Context } from 'aws-lambda';
import type { RepricingRequestedDetail, ServiceEvent } from '../platform/events/event-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { logger } from '../platform/logger.js';
import { effectiveCatalog } from '../pricing/wiring.js';
import { continueRepricing } from '../usage/use-cases/reprice-in-background.js';
import { backgroundRepriceDeps } from './ingest-wiring.js';
import { spec } from './repricer-environment.js';

const env = loadEnvironment(spec);
const deps = backgroundRepriceDeps(env);
const catalogs = effectiveCatalog(env);
/** Stop reading new pages this long before the function's timeout, and hand the rest on. */
const RESERVE_MS = 60_000;

/**
 * EventBridge target for `RepricingRequested`: continues the tenant's repricing. A failure is
 * thrown so the event is retried from its cursor (nothing is repriced twice).
 */
export const handler = async (event: ServiceEvent<RepricingRequestedDetail>, context?: Partial<Context>) => {
  // The price that asked for this run may be younger than this instance's cached catalog.
  catalogs.forget(event.detail.tenantId);
  const remaining = () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
  const result = await continueRepricing(deps, event.detail, new Date(), () => remaining() < RESERVE_MS);
  logger.info('repricing continued', { tenantId: event.detail.tenantId, ...result });
  return result;
};
