import type { EventPublisher } from '../../platform/events/event-publisher.js';
import type { WaitingTenants } from '../ports/usage-store.js';
import { repriceThenHandOff } from './reprice-in-background.js';
import { type RepriceDeps, repriceUnpriced } from './reprice-unpriced.js';

export interface RepriceWaitingDeps extends RepriceDeps {
  waiting: WaitingTenants;
  /**
   * Bounds each tenant's run to `perTenant` waiting records and hands the rest to the background
   * job (`RepricingRequested`); without it, every tenant's run reads all its waiting records.
   */
  background?: { publisher: EventPublisher; perTenant: number };
}

/** Tenants read per page of the index of waiting usage. */
const TENANT_PAGE = 100;

/**
 * Reprices the usage waiting for a price of every tenant that has some (a price sync added
 * service-wide prices): each tenant's run is {@link repriceUnpriced}, exactly once per record, so
 * a run that stops half-way is continued by the next one. Tenants are found through the index of
 * waiting usage, never by a scan; a tenant's models with nothing left waiting leave that index.
 */
export async function repriceWaitingUsage(
  deps: RepriceWaitingDeps,
  now: Date,
): Promise<{ tenants: number; repriced: number; handedOff: number }> {
  let tenants = 0;
  let repriced = 0;
  let handedOff = 0;
  let after: string | undefined;
  do {
    const page = await deps.waiting.waitingTenants({
      limit: TENANT_PAGE,
      ...(after === undefined ? {} : { after }),
    });
    for (const tenantId of page.tenants) {
      tenants++;
      if (deps.background) {
        const run = await repriceThenHandOff(
          { ...deps, publisher: deps.background.publisher },
          tenantId,
          now,
          deps.background.perTenant,
        );
        repriced += run.repriced;
        if (run.handedOff) handedOff++;
        else await deps.waiting.settleWaiting(tenantId);
      } else {
        repriced += (await repriceUnpriced(deps, tenantId, now)).repriced;
        await deps.waiting.settleWaiting(tenantId);
      }
    }
    after = page.after;
  } while (after !== undefined);
  return { tenants, repriced, handedOff };
}
