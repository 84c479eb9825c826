import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { tenantPk } from '../../platform/keys.js';
import type { AuditChange, AuditLog, AuditPage, AuditReader, AuditRecord } from '../ports/audit-log.js';

const DAY_SECONDS = 86_400;

/**
 * Layout: the audit entries of a tenant in one partition of the data-protection table, pk
 * `T#<tenant>#AUDIT`, sk `<at>#<auditId>` (ISO time first, so a range of time is a key range and
 * newest-first is a backwards query). Each entry carries `expiresAt` from the tenant's history
 * retention. Configuration changes are rare (people change settings), so one partition per tenant
 * stays far below a partition's write limit.
 */
const auditPk = (tenantId: string) => `${tenantPk(tenantId)}#AUDIT`;

export class DynamoAuditLog implements AuditLog, AuditReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    /** Days the tenant keeps history (audit entries among it). */
    private readonly historyDays: (tenantId: string) => Promise<number>,
  ) {}

  async record(change: AuditChange, at: Date): Promise<AuditRecord> {
    const { record, put } = await this.entry(change, at);
    await this.client.send(new PutCommand(put));
    return record;
  }

  /**
   * The conditional put of one entry, for a caller that writes it in the same transaction as the
   * change it records (an erasure request).
   */
  async entry(change: AuditChange, at: Date) {
    const record: AuditRecord = { ...change, auditId: randomUUID(), at: at.toISOString() };
    const days = await this.historyDays(change.actor.tenant);
    const put = {
      TableName: this.table,
      Item: {
        pk: auditPk(change.actor.tenant),
        sk: `${record.at}#${record.auditId}`,
        ...record,
        expiresAt: Math.floor(at.getTime() / 1000) + days * DAY_SECONDS,
      },
      // Append-only: an entry is never overwritten.
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    return { record, put };
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
}
