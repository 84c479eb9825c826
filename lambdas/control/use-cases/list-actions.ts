import type { ControlActionRecord } from '@cost-management/core';
import type { ControlDeps } from './control-deps.js';

/** A user's audit history, newest first; `nextCursor` pages on to older entries. */
export function listActions(
  deps: Pick<ControlDeps, 'actions'>,
  tenantId: string,
  userId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ records: ControlActionRecord[]; nextCursor?: string }> {
  return deps.actions.listActions(tenantId, userId, page.limit, page.cursor);
}
