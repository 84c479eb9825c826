import { ConflictError, NotFoundError } from '../../platform/errors.js';
import type { Breach, BreachStatus, BreachStore } from '../ports/alerting-store.js';

export interface BreachDeps {
  breaches: BreachStore;
}

export function listBreaches(
  deps: BreachDeps,
  tenantId: string,
  userId: string,
  status: BreachStatus | undefined,
): Promise<Breach[]> {
  return deps.breaches.listByUser(tenantId, userId, status);
}

/**
 * The breaches of every user of the tenant, newest first, a page at a time; a cursor of another
 * tenant or of another status filter is a 400.
 */
export function listTenantBreaches(
  deps: BreachDeps,
  tenantId: string,
  status: BreachStatus | undefined,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ breaches: Breach[]; nextCursor?: string }> {
  return deps.breaches.listByTenant(tenantId, status, page);
}

/** Stops escalation of an open breach; acknowledging twice answers the same breach. */
export async function acknowledgeBreach(
  deps: BreachDeps,
  tenantId: string,
  breachId: string,
  now: Date,
): Promise<Breach> {
  const current = await deps.breaches.get(tenantId, breachId);
  if (!current) throw new NotFoundError(`No breach '${breachId}'.`);
  if (current.status === 'acknowledged') return current;
  if (current.status === 'resolved') throw new ConflictError(`Breach '${breachId}' is already resolved.`);
  const updated = await deps.breaches.update(
    tenantId,
    breachId,
    { status: 'acknowledged', acknowledgedAt: now.toISOString() },
    ['open'],
  );
  if (!updated) throw new ConflictError(`Breach '${breachId}' changed meanwhile; read it again.`);
  return updated;
}
