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
