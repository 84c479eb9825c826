import { randomBytes, randomUUID } from 'node:crypto';
import { ERASURE_REQUESTED, type EventPublisher } from '../../platform/events/event-publisher.js';
import { logger } from '../../platform/logger.js';
import {
  ERASURE_PARTS,
  type ErasureJob,
  ErasureLeaseLostError,
  type ErasureParts,
  type ErasureStore,
  type OpenErasure,
} from '../ports/erasure.js';

const DAY_SECONDS = 86_400;

export interface RunErasureDeps {
  store: ErasureStore;
  parts: ErasureParts;
  /** Puts the event that goes on with a job after this run's time is up. */
  publisher: EventPublisher;
  /** Days the tenant keeps history: a completed erasure record expires after them. */
  historyDays(tenantId: string): Promise<number>;
  /** How long a worker holds a job: longer than any run, so only a crashed worker's lease expires. */
  leaseMs: number;
  /** Epoch ms. */
  now(): number;
}

export type ErasureRunOutcome =
  /** Every part is erased and the job completed. */
  | 'completed'
  /** Time was up: progress saved, the lease given up, an event put to go on. */
  | 'continued'
  /** Nothing to do here: unknown or completed job, or another worker holds it. */
  | 'skipped';

/**
 * A one-way pseudonym: random, so nothing links it to the user id, and with a `~` no user id can
 * contain, so no API call can ever read or write its aggregates.
 */
export const newPseudonym = (): string => `~${randomBytes(16).toString('hex')}`;

/**
 * Runs an erasure job until it completes or `deadlineMs` (epoch ms) passes: takes the job under a
 * lease, erases part after part in {@link ERASURE_PARTS} order, one batch at a time, and saves
 * after each part which parts are done, so a run that crashes is resumed by the next one at the
 * part it was in (every batch is safe to repeat). The pseudonym the aggregates move to is set once
 * per job and kept until it completes, so a resumed run moves to the same one; completing the job
 * drops it. A failing run gives its lease up before it rethrows, so a retry can take over at once;
 * a run that dies without doing so holds the job until its lease expires.
 */
export async function runErasure(
  deps: RunErasureDeps,
  tenantId: string,
  erasureId: string,
  deadlineMs: number,
): Promise<ErasureRunOutcome> {
  const token = randomUUID();
  const startedMs = deps.now();
  const job = await deps.store.claim(
    tenantId,
    erasureId,
    { token, untilMs: startedMs + deps.leaseMs },
    startedMs,
    newPseudonym(),
    new Date(startedMs).toISOString(),
  );
  if (!job?.pseudonym) return 'skipped';
  const pseudonym = job.pseudonym;
  const erased: Record<string, number> = { ...job.erased };
  let step = job.step;
  try {
    while (step < ERASURE_PARTS.length) {
      const name = ERASURE_PARTS[step] as (typeof ERASURE_PARTS)[number];
      for (;;) {
        if (deps.now() >= deadlineMs) return await goOnLater(deps, job, token, step, erased);
        const count = await deps.parts[name].erase(tenantId, job.userId, pseudonym);
        if (count === 0) break;
        erased[name] = (erased[name] ?? 0) + count;
      }
      step += 1;
      await deps.store.saveProgress(tenantId, erasureId, token, {
        step,
        erased,
        untilMs: deps.now() + deps.leaseMs,
      });
    }
    const completedMs = deps.now();
    const days = await deps.historyDays(tenantId);
    await deps.store.complete(
      job,
      token,
      new Date(completedMs).toISOString(),
      erased,
      Math.floor(completedMs / 1000) + days * DAY_SECONDS,
    );
    logger.info('erasure completed', { erasureId, erased });
    return 'completed';
  } catch (error) {
    if (error instanceof ErasureLeaseLostError) {
      logger.warn('erasure taken over by another run', { erasureId });
      return 'skipped';
    }
    await deps.store
      .saveProgress(tenantId, erasureId, token, { step, erased, untilMs: 0 })
      .catch(() => undefined);
    throw error;
  }
}

/** Saves where the job is, gives the lease up and puts the event that goes on with it. */
async function goOnLater(
  deps: RunErasureDeps,
  job: ErasureJob,
  token: string,
  step: number,
  erased: Record<string, number>,
): Promise<ErasureRunOutcome> {
  await deps.store.saveProgress(job.tenantId, job.erasureId, token, { step, erased, untilMs: 0 });
  try {
    await deps.publisher.publish([
      { detailType: ERASURE_REQUESTED, detail: { tenantId: job.tenantId, erasureId: job.erasureId } },
    ]);
  } catch (error) {
    logger.warn('erasure paused; the sweep will resume it', {
      erasureId: job.erasureId,
      error: error as Error,
    });
  }
  return 'continued';
}

/**
 * The sweep's part: puts an event for every open job requested at least `afterMs` ago. A job that
 * a live worker holds ignores it (the claim fails); one left pending (its event lost) or running
 * after a crash is taken up again at the part it was in.
 */
export async function resumeErasures(
  deps: { store: Pick<ErasureStore, 'open'>; publisher: EventPublisher },
  nowMs: number,
  afterMs: number,
): Promise<OpenErasure[]> {
  const due = (await deps.store.open()).filter((job) => Date.parse(job.requestedAt) <= nowMs - afterMs);
  if (due.length > 0) {
    await deps.publisher.publish(
      due.map((job) => ({
        detailType: ERASURE_REQUESTED,
        detail: { tenantId: job.tenantId, erasureId: job.erasureId },
      })),
    );
  }
  return due;
}
