import {
  type EventPublisher,
  REPRICING_REQUESTED,
  type RepricingRequestedDetail,
} from '../../platform/events/event-publisher.js';
import { logger } from '../../platform/logger.js';
import { type RepriceCursor, type RepriceDeps, repriceUnpriced } from './reprice-unpriced.js';

export interface BackgroundRepriceDeps extends RepriceDeps {
  publisher: EventPublisher;
}

const handOffEvent = (tenantId: string, resume: RepriceCursor) => ({
  detailType: REPRICING_REQUESTED,
  detail: { tenantId, resume } satisfies RepricingRequestedDetail,
});

/**
 * Reprices at most `maxRecords` of the tenant's waiting records now (a request that must answer
 * soon), and hands the rest to the background job (`RepricingRequested`, from where this run
 * stopped). A hand-off that cannot be published is logged: the price stands, and the rest waits
 * for the next repricing (the daily price sync reprices every tenant's waiting usage).
 */
export async function repriceThenHandOff(
  deps: BackgroundRepriceDeps,
  tenantId: string,
  now: Date,
  maxRecords: number,
): Promise<{ repriced: number; handedOff: boolean }> {
  const { repriced, next } = await repriceUnpriced(deps, tenantId, now, { maxRecords });
  if (!next) return { repriced, handedOff: false };
  try {
    await deps.publisher.publish([handOffEvent(tenantId, next)]);
    return { repriced, handedOff: true };
  } catch (error) {
    logger.warn('repricing not handed to the background; the next repricing continues it', {
      tenantId,
      error: error as Error,
    });
    return { repriced, handedOff: false };
  }
}

/**
 * The background job (`RepricingRequested`): continues the tenant's repricing where the previous
 * run stopped until it is done or `shouldStop` (the function's time is running out), then hands the
 * rest to a next run. Exactly once per record (conditional writes), so a retried or duplicated
 * event reprices nothing twice; a run that fails throws, and the event is retried from its cursor.
 */
export async function continueRepricing(
  deps: BackgroundRepriceDeps,
  detail: RepricingRequestedDetail,
  now: Date,
  shouldStop: () => boolean,
): Promise<{ repriced: number; handedOff: boolean }> {
  const { repriced, next } = await repriceUnpriced(deps, detail.tenantId, now, {
    shouldStop,
    ...(detail.resume ? { from: detail.resume } : {}),
  });
  if (!next) return { repriced, handedOff: false };
  await deps.publisher.publish([handOffEvent(detail.tenantId, next)]);
  return { repriced, handedOff: true };
}
