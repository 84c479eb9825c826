import { randomUUID } from 'node:crypto';
import { NotFoundError, UnavailableError } from '../../platform/errors.js';
import { ERASURE_REQUESTED, type EventPublisher } from '../../platform/events/event-publisher.js';
import { logger } from '../../platform/logger.js';
import type { AuditActor } from '../ports/audit-log.js';
import { ERASURE_PARTS, type ErasureHolders, type ErasureJob, type ErasureStore } from '../ports/erasure.js';

export interface RequestErasureDeps {
  store: ErasureStore;
  /** Whether the user has data of each kind again (a repeated request after completion). */
  holders: ErasureHolders;
  publisher: EventPublisher;
}

/** Attempts at winning the user's marker against concurrent requests for the same user. */
const MAX_ATTEMPTS = 3;

async function holdsAny(holders: ErasureHolders, tenantId: string, userId: string): Promise<boolean> {
  const held = await Promise.all(ERASURE_PARTS.map((part) => holders[part].holds(tenantId, userId)));
  return held.some(Boolean);
}

/**
 * `DELETE /users/{userId}`: the erasure of the user, started once. A request while the user's
 * latest erasure is pending or running answers that erasure; so does one after it completed, as
 * long as the user has no data again. Otherwise a new job is written — with its audit entry, which
 * names the erasure id and the caller's key, never the user — and started through the event bus.
 * When the event cannot be put on the bus the job stays pending and the sweep starts it.
 */
export async function requestErasure(
  deps: RequestErasureDeps,
  actor: AuditActor,
  userId: string,
  now: Date,
): Promise<ErasureJob> {
  const tenantId = actor.tenant;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const latestId = await deps.store.latestFor(tenantId, userId);
    const latest = latestId ? await deps.store.get(tenantId, latestId) : undefined;
    if (latest && (latest.status !== 'completed' || !(await holdsAny(deps.holders, tenantId, userId)))) {
      return latest;
    }
    const job: ErasureJob = {
      tenantId,
      erasureId: randomUUID(),
      userId,
      status: 'pending',
      requestedAt: now.toISOString(),
      startedAt: null,
      completedAt: null,
      step: 0,
      erased: {},
    };
    const created = await deps.store.create(job, latestId ?? null, {
      actor,
      action: 'user.erase',
      target: job.erasureId,
      before: null,
      after: { status: job.status },
    });
    if (!created) continue;
    try {
      await deps.publisher.publish([
        { detailType: ERASURE_REQUESTED, detail: { tenantId, erasureId: job.erasureId } },
      ]);
    } catch (error) {
      logger.warn('erasure not started now; the sweep will start it', {
        erasureId: job.erasureId,
        error: error as Error,
      });
    }
    return job;
  }
  throw new UnavailableError('Concurrent erasure requests for this user; retry.');
}

/** `GET /erasures/{erasureId}`: the tenant's job, or 404 (also for another tenant's id). */
export async function getErasure(
  store: ErasureStore,
  tenantId: string,
  erasureId: string,
): Promise<ErasureJob> {
  const job = await store.get(tenantId, erasureId);
  if (!job) throw new NotFoundError(`No erasure '${erasureId}'.`);
  return job;
}
