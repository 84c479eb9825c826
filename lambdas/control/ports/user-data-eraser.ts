/**
 * Port: what the control context holds of one user, as erasure (the right to be forgotten) needs
 * it. Each `erase…` call deletes one bounded batch and answers how many items it deleted, 0 once
 * nothing is left, so a caller can stop between batches and resume later.
 */
export interface ControlDataEraser {
  /** The config-and-state item and the hard-budget reservations of `/check`. */
  holdsConfig(tenantId: string, userId: string): Promise<boolean>;
  eraseConfig(tenantId: string, userId: string): Promise<number>;
  /** The history of applied, reversed and reset control actions. */
  holdsHistory(tenantId: string, userId: string): Promise<boolean>;
  eraseHistory(tenantId: string, userId: string): Promise<number>;
}
