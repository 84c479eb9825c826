import type { AuditQuery } from '@cost-management/contract';
import type { AuditPage, AuditReader } from '../ports/audit-log.js';

/** The earliest instant an audit range can start at: everything still retained. */
const BEGINNING = new Date(0).toISOString();

/** The tenant's configuration changes in `[from, to]` (default: all retained, up to now), newest first. */
export function listAudit(
  audit: AuditReader,
  tenantId: string,
  query: AuditQuery,
  now: Date,
): Promise<AuditPage> {
  // Stored times are `toISOString()` text; the bounds are normalised the same way so they compare as text.
  const from = query.from ? new Date(query.from).toISOString() : BEGINNING;
  const to = query.to ? new Date(query.to).toISOString() : now.toISOString();
  return audit.list(
    tenantId,
    { from, to },
    { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) },
  );
}
