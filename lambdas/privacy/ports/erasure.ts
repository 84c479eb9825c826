import type { ErasureResponse } from '@cost-management/contract';
import type { AuditChange } from './audit-log.js';

/**
 * The kinds of a user's data an erasure removes, in the order it removes them. Raw records go
 * first, so nothing can reprice them into the user's aggregates afterwards; aggregates move to the
 * pseudonym after everything that reads or feeds them per user (thresholds, control) is gone; cached
 * results computed from them next; audit entries that name the user keep what changed, with the
 * user id replaced by a fixed placeholder, last.
 */
export const ERASURE_PARTS = [
  'usage.records',
  'alerting.thresholds',
  'alerting.breaches',
  'alerting.contacts',
  'control.config',
  'control.history',
  'usage.aggregates',
  'usage.derived',
  'privacy.audit',
] as const;
export type ErasurePartName = (typeof ERASURE_PARTS)[number];

/**
 * Port: one kind of a user's data, in the context that owns it (the composition root wires each
 * context's eraser in).
 */
export interface ErasurePart {
  /** True while the user has data of this kind. */
  holds(tenantId: string, userId: string): Promise<boolean>;
  /**
   * Erases one bounded batch (aggregates: moves it to `pseudonym`); answers how many items it
   * deleted or moved, 0 once nothing is left. Repeating a batch is harmless.
   */
  erase(tenantId: string, userId: string, pseudonym: string): Promise<number>;
}

export type ErasureParts = Readonly<Record<ErasurePartName, ErasurePart>>;
/** What answering a repeated request needs: whether the user has data again. */
export type ErasureHolders = Readonly<Record<ErasurePartName, Pick<ErasurePart, 'holds'>>>;

export type ErasureStatus = ErasureResponse['status'];

/** An erasure job, as stored. */
export interface ErasureJob {
  readonly tenantId: string;
  readonly erasureId: string;
  readonly userId: string;
  readonly status: ErasureStatus;
  readonly requestedAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  /** Index in {@link ERASURE_PARTS} of the next part to erase; the parts before it are done. */
  readonly step: number;
  /** Items deleted or moved so far, per part (a lagging index may count an item twice). */
  readonly erased: Readonly<Record<string, number>>;
  /**
   * While the job runs: the random one-way pseudonym its aggregates move to, kept so a resumed
   * job uses the same one; dropped when the job completes.
   */
  readonly pseudonym?: string;
}

/** One worker's hold on a job, so two workers never run it at once. */
export interface ErasureLease {
  readonly token: string;
  /** Epoch ms; another worker may take the job over after it. */
  readonly untilMs: number;
}

/** The worker's lease no longer holds (it expired and another worker took the job over). */
export class ErasureLeaseLostError extends Error {
  constructor(erasureId: string) {
    super(`the lease on erasure ${erasureId} was taken over`);
  }
}

/** An erasure that has not completed, as the sweep finds it. */
export interface OpenErasure {
  readonly tenantId: string;
  readonly erasureId: string;
  readonly requestedAt: string;
}

/** Port: erasure jobs, the marker of each user's latest erasure, and the list of open jobs. */
export interface ErasureStore {
  get(tenantId: string, erasureId: string): Promise<ErasureJob | undefined>;
  /** The id of the latest erasure requested for the user, if any is still kept. */
  latestFor(tenantId: string, userId: string): Promise<string | undefined>;
  /**
   * Writes a pending job, the user's marker (on condition that it still names `previous`, or
   * that there is none), the job's entry in the open list and the audit entry of the request,
   * all in one transaction. False when another request won the marker (nothing written).
   */
  create(job: ErasureJob, previous: string | null, audit: AuditChange): Promise<boolean>;
  /**
   * Takes the job for one worker: sets it running under `lease`, on condition that it has not
   * completed and no other lease holds at `nowMs`; keeps its pseudonym, or sets `pseudonym` when it
   * has none. Undefined when the job is unknown, completed or held.
   */
  claim(
    tenantId: string,
    erasureId: string,
    lease: ErasureLease,
    nowMs: number,
    pseudonym: string,
    at: string,
  ): Promise<ErasureJob | undefined>;
  /**
   * Records the parts done and the counts; `untilMs` extends the lease (0 gives it up). Throws
   * {@link ErasureLeaseLostError} when `token` no longer holds the job.
   */
  saveProgress(
    tenantId: string,
    erasureId: string,
    token: string,
    progress: { step: number; erased: Record<string, number>; untilMs: number },
  ): Promise<void>;
  /**
   * Completes the job: status, completion time and counts set, pseudonym and lease dropped, the
   * job and the user's marker set to expire at `expiresAt` (epoch seconds), the open-list entry
   * deleted, in one transaction. Throws {@link ErasureLeaseLostError} when `token` no longer holds it.
   */
  complete(
    job: ErasureJob,
    token: string,
    at: string,
    erased: Record<string, number>,
    expiresAt: number,
  ): Promise<void>;
  /** Every job of every tenant that has not completed (the sweep resumes the stale ones). */
  open(): Promise<OpenErasure[]>;
}
