import type { ControlActionRecord } from '@cost-management/core';

/** Port for the audit trail of control actions (control_actions). Every method is scoped to one tenant. */
export interface ControlActionsStore {
  /** A user's audit history, newest first; `cursor` pages on to older entries. */
  listActions(
    tenantId: string,
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ records: ControlActionRecord[]; nextCursor?: string }>;
  getAction(tenantId: string, actionId: string): Promise<ControlActionRecord | undefined>;
}
