import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expiresAtSeconds } from '@cost-management/core';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { EXPIRES_AT, rewriteExpiryPage } from '../../platform/expiry.js';
import { tenantPk } from '../../platform/keys.js';
import type {
  AuditChange,
  AuditLog,
  AuditPage,
  AuditReader,
  AuditRecord,
  AuditWrite,
} from '../ports/audit-log.js';
import type { ExpiryRewriter, PagePosition, Retention, RewrittenPage } from '../ports/retention-job.js';

/**
 * Layout: the audit entries of a tenant in one partition of the data-protection table, pk
 * `T#<tenant>#AUDIT`, sk `<at>#<auditId>` (ISO time first, so a range of time is a key range and
 * newest-first is a backwards query). Each entry carries `expiresAt` from the tenant's history
 * retention. Configuration changes are rare (people change settings), so one partition per tenant
 * stays far below a partition's write limit.
 */
const auditPk = (tenantId: string) => `${tenantPk(tenantId)}#AUDIT`;

/** Entries an erasure rewrites per call (a bounded batch; the job calls again until none is left). */
const ERASE_BATCH = 25;

/**
 * What an erased user id becomes in the audit log: a fixed placeholder, not the erasure's pseudonym,
 * so the history of configuration changes cannot be joined to the pseudonymous aggregates either.
 */
export const ERASED_USER = '[erased]';

/** `value` with every string equal to `userId` (and every object key) replaced by `by`, at any depth. */
function renamed(value: unknown, userId: string, by: string): unknown {
  if (value === userId) return by;
  if (Array.isArray(value)) return value.map((v) => renamed(v, userId, by));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k === userId ? by : k, renamed(v, userId, by)]),
    );
  }
  return value;
}

/** True when `value` names `userId` (a string equal to it, or an object key), at any depth. */
function names(value: unknown, userId: string): boolean {
  if (value === userId) return true;
  if (Array.isArray(value)) return value.some((v) => names(v, userId));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k === userId || names(v, userId));
  }
  return false;
}

export class DynamoAuditLog implements AuditLog, AuditReader, ExpiryRewriter {
  readonly part = 'audit-entries';

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    /** Days the tenant keeps history (audit entries among it). */
    private readonly historyDays: (tenantId: string) => Promise<number>,
  ) {}

  async prepare(change: AuditChange, at: Date): Promise<AuditWrite> {
    const record: AuditRecord = { ...change, auditId: randomUUID(), at: at.toISOString() };
    const days = await this.historyDays(change.actor.tenant);
    return {
      record,
      put: {
        TableName: this.table,
        Item: {
          pk: auditPk(change.actor.tenant),
          sk: `${record.at}#${record.auditId}`,
          ...record,
          [EXPIRES_AT]: expiresAtSeconds(record.at, days),
        },
        // Append-only: an entry is never overwritten.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  async record(change: AuditChange, at: Date): Promise<AuditRecord> {
    const write = await this.prepare(change, at);
    await this.client.send(new PutCommand(write.put));
    return write.record;
  }

  async list(
    tenantId: string,
    range: { from: string; to: string },
    page: { limit: number; cursor?: string },
  ): Promise<AuditPage> {
    const pk = auditPk(tenantId);
    const start = page.cursor
      ? decodeCursor(
          page.cursor,
          (key) =>
            key.pk === pk && typeof key.sk === 'string' && key.sk >= range.from && key.sk <= `${range.to}~`
              ? { pk, sk: key.sk }
              : undefined,
          'audit range',
        )
      : undefined;
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': pk, ':from': range.from, ':to': `${range.to}~` },
        ScanIndexForward: false,
        Limit: page.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const items = (res.Items ?? []).map(
      ({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest as unknown as AuditRecord,
    );
    const last = res.LastEvaluatedKey;
    return { items, nextCursor: last ? encodeCursor(last) : null };
  }

  /** True while an entry of the tenant's log names the user (its target, or a value before or after). */
  async holdsUser(tenantId: string, userId: string): Promise<boolean> {
    return (await this.entriesNaming(tenantId, userId, 1)).length > 0;
  }

  /**
   * Erasure: the entries that name the user keep what changed, with {@link ERASED_USER} instead of
   * the user id — the one rewrite of an append-only entry, on condition that it exists (an expired
   * entry is not brought back). Answers how many it rewrote, 0 once none is left.
   */
  async eraseUser(tenantId: string, userId: string): Promise<number> {
    const entries = await this.entriesNaming(tenantId, userId, ERASE_BATCH);
    for (const entry of entries) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: entry.pk, sk: entry.sk },
            UpdateExpression: 'SET #t = :t, #b = :b, #a = :a',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#t': 'target', '#b': 'before', '#a': 'after' },
            ExpressionAttributeValues: {
              ':t': renamed(entry.target, userId, ERASED_USER),
              ':b': renamed(entry.before ?? null, userId, ERASED_USER),
              ':a': renamed(entry.after ?? null, userId, ERASED_USER),
            },
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    return entries.length;
  }

  /** Up to `limit` of the tenant's entries that name the user, read page by page. */
  private async entriesNaming(tenantId: string, userId: string, limit: number) {
    const found: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ProjectionExpression: 'pk, sk, #t, #b, #a',
          ExpressionAttributeNames: { '#t': 'target', '#b': 'before', '#a': 'after' },
          ExpressionAttributeValues: { ':pk': auditPk(tenantId) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of res.Items ?? []) {
        if (names(item.target, userId) || names(item.before, userId) || names(item.after, userId)) {
          found.push(item);
          if (found.length >= limit) return found;
        }
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /**
   * The expiry of a page of the tenant's entries under a new history retention. The entries stay
   * append-only: their content is never rewritten, only when they expire.
   */
  async rewritePage(
    tenantId: string,
    retention: Retention,
    after: PagePosition | undefined,
  ): Promise<RewrittenPage> {
    return rewriteExpiryPage(
      this.client,
      this.table,
      {
        input: {
          KeyConditionExpression: 'pk = :pk',
          ProjectionExpression: 'pk, sk, #at, #e',
          ExpressionAttributeNames: { '#at': 'at', '#e': EXPIRES_AT },
          ExpressionAttributeValues: { ':pk': auditPk(tenantId) },
        },
      },
      after,
      (item) => expiresAtSeconds(String(item.at), retention.historyDays),
    );
  }
}
