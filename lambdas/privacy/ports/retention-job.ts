/**
 * Applying a changed retention to the items already stored. Every item that expires carries
 * `expiresAt` computed from its own time (a record's timestamp, a breach's period, an entry's
 * instant); a job recomputes it under the new setting, part by part and page by page, and keeps
 * its position after each page, so a crash resumes where it stopped. Rewriting is idempotent (the
 * same setting gives the same expiry) and touches only the tenant's own keys.
 */

export interface Retention {
  readonly usageDays: number;
  readonly historyDays: number;
}

/** Where a part stopped: the last key read (stored in the job as it is). */
export type PagePosition = Record<string, unknown>;

export interface RewrittenPage {
  /** Items read. */
  readonly examined: number;
  /** Items whose expiry changed. */
  readonly rewritten: number;
  /** Where the next page starts; absent when the part is done. */
  readonly next?: PagePosition;
}

/**
 * Port, implemented by the context that owns the items: one part of a tenant's stored data whose
 * items expire (raw usage records, breaches, control history, audit entries …).
 */
export interface ExpiryRewriter {
  /** Stable name of the part, kept in the job's position. */
  readonly part: string;
  /** Recomputes the expiry of one page of the tenant's items under `retention`. */
  rewritePage(
    tenantId: string,
    retention: Retention,
    after: PagePosition | undefined,
  ): Promise<RewrittenPage>;
}

export type RetentionJobStatus = 'pending' | 'running' | 'completed';

/** A tenant's job applying its retention to stored items; one per tenant, a new change replaces it. */
export interface RetentionJob {
  readonly tenantId: string;
  /** The retention it applies. */
  readonly retention: Retention;
  readonly requestedAt: string;
  /**
   * It starts no earlier: by then every function's cached retention (at most a minute old) has the
   * new value, so items written after the job passed their key already carry the new expiry.
   */
  readonly startAfter: string;
  readonly status: RetentionJobStatus;
  /** The part being rewritten (null once completed) and the position in it. */
  readonly part: string | null;
  readonly position: PagePosition | null;
  readonly examined: number;
  readonly rewritten: number;
  readonly completedAt: string | null;
  /** Saved steps so far; each save is conditioned on it (a replaced or concurrently run job stops). */
  readonly step: number;
}

/** Port: the retention jobs. */
export interface RetentionJobStore {
  get(tenantId: string): Promise<RetentionJob | undefined>;
  /** Jobs of every tenant not completed yet (the sweep runs them). */
  listOpen(): Promise<RetentionJob[]>;
  /**
   * Saves a job's progress on condition that the stored job is still the one read (same request,
   * same step); false when it was replaced or another run saved first.
   */
  save(previous: RetentionJob, next: RetentionJob): Promise<boolean>;
}
