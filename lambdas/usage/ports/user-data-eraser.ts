/**
 * Port: what the usage context holds of one user, as erasure (the right to be forgotten) needs
 * it. Each `erase…`/`move…` call handles one bounded batch and answers how many items it deleted
 * or moved, 0 once nothing is left, so a caller can stop between batches and resume later.
 */
export interface UsageDataEraser {
  /** True while a raw usage record of the user exists. */
  holdsRecords(tenantId: string, userId: string): Promise<boolean>;
  /**
   * Deletes a batch of the user's raw records; a record still waiting for a price leaves the
   * tenant's unpriced summary in the same write, so the summary counts only what remains.
   */
  eraseRecords(tenantId: string, userId: string): Promise<number>;
  /** True while an aggregate (day or period total) of the user exists. */
  holdsAggregates(tenantId: string, userId: string): Promise<boolean>;
  /**
   * Moves a batch of the user's aggregates to `pseudonym`: each counter is added to the
   * pseudonym's item of the same day or period and removed from the user's in one write, so the
   * tenant's totals never change and nothing is counted twice.
   */
  moveAggregates(tenantId: string, userId: string, pseudonym: string): Promise<number>;
  /** True while a cached analytics result or usage pattern of the user exists. */
  holdsDerived(tenantId: string, userId: string): Promise<boolean>;
  /** Deletes a batch of the user's cached analytics results and usage patterns. */
  eraseDerived(tenantId: string, userId: string): Promise<number>;
}
