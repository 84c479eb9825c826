/**
 * Port: the tenant's audit log of configuration changes. Every context that changes configuration
 * (thresholds, contacts, control config and reversals, prices, retention, erasure) records one
 * entry per change through it; the composition roots wire the privacy context's adapter in.
 */

/** Who made a change: the API key's tenant and non-secret id, never a value from a request body. */
export interface AuditActor {
  readonly tenant: string;
  /** Absent only for changes the service makes on its own (a scheduled job). */
  readonly keyId: string | null;
}

/** One change, as a context reports it. `before`/`after` must already have personal data masked. */
export interface AuditChange {
  readonly actor: AuditActor;
  /** What was done, `<thing>.<verb>`: `threshold.create`, `prices.put`, `settings.update` … */
  readonly action: string;
  /** What it was done to: an id, never personal data (a user id is the tenant's own pseudonymous key). */
  readonly target: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditRecord extends AuditChange {
  readonly auditId: string;
  readonly at: string;
}

export interface AuditPage {
  readonly items: AuditRecord[];
  /** Opaque cursor to the next (older) page, null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * An entry prepared for the write of the change it records: the owning context's store puts it in
 * the same DynamoDB transaction as the change, so either both are stored or neither is (an audit
 * failure can never leave an unaudited change, nor an entry for a change that did not happen).
 */
export interface AuditWrite {
  readonly record: AuditRecord;
  /** The `Put` of a `TransactWriteItems` item; its condition refuses to overwrite an entry. */
  readonly put: {
    readonly TableName: string;
    readonly Item: Record<string, unknown>;
    readonly ConditionExpression: string;
  };
}

export interface AuditLog {
  /** Appends one entry at `at`; an entry is never overwritten. */
  record(change: AuditChange, at: Date): Promise<AuditRecord>;
  /** The entry of a change at `at`, to be written in the change's own transaction. */
  prepare(change: AuditChange, at: Date): Promise<AuditWrite>;
}

/** The actor of a request: its key's tenant and key id (null where the key has none). */
export const callerOf = (request: { tenantId: string; keyId?: string | undefined }): AuditActor => ({
  tenant: request.tenantId,
  keyId: request.keyId ?? null,
});

export interface AuditReader {
  /** The tenant's entries with `from <= at <= to`, newest first. */
  list(
    tenantId: string,
    range: { from: string; to: string },
    page: { limit: number; cursor?: string },
  ): Promise<AuditPage>;
}
