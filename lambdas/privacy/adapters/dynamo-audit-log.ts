import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expiresAtSeconds } from '@cost-management/core';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { EXPIRES_AT, EXPIRY_PAGE_SIZE, rewriteExpiries } from '../../platform/expiry.js';
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

  /**
   * The expiry of a page of the tenant's entries under a new history retention. The entries stay
   * append-only: their content is never rewritten, only when they expire.
   */
  async rewritePage(
    tenantId: string,
    retention: Retention,
    after: PagePosition | undefined,
  ): Promise<RewrittenPage> {
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ProjectionExpression: 'pk, sk, #at, #e',
        ExpressionAttributeNames: { '#at': 'at', '#e': EXPIRES_AT },
        ExpressionAttributeValues: { ':pk': auditPk(tenantId) },
        ConsistentRead: true,
        Limit: EXPIRY_PAGE_SIZE,
        ...(after ? { ExclusiveStartKey: after } : {}),
      }),
    );
    const items = res.Items ?? [];
    const rewritten = await rewriteExpiries(
      this.client,
      this.table,
      items.map((item) => ({
        key: { pk: String(item.pk), sk: String(item.sk) },
        current: item[EXPIRES_AT],
        target: expiresAtSeconds(String(item.at), retention.historyDays),
      })),
    );
    return {
      examined: items.length,
      rewritten,
      ...(res.LastEvaluatedKey ? { next: res.LastEvaluatedKey } : {}),
    };
  }
}
