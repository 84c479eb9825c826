/**
 * Port: what the alerting context holds of one user, as erasure (the right to be forgotten) needs
 * it. Each `erase…` call deletes one bounded batch and answers how many items it deleted, 0 once
 * nothing is left, so a caller can stop between batches and resume later.
 */
export interface AlertingDataEraser {
  holdsThresholds(tenantId: string, userId: string): Promise<boolean>;
  eraseThresholds(tenantId: string, userId: string): Promise<number>;
  holdsBreaches(tenantId: string, userId: string): Promise<boolean>;
  /** Breaches with their delivery history (the notices sent and to which channels). */
  eraseBreaches(tenantId: string, userId: string): Promise<number>;
  /** Contacts: e-mail, phone, webhook and escalation of the user. */
  holdsContacts(tenantId: string, userId: string): Promise<boolean>;
  eraseContacts(tenantId: string, userId: string): Promise<number>;
}
