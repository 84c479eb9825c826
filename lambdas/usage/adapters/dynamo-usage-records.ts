import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expiresAtSeconds } from '@cost-management/core';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import type { Item } from '../../platform/dynamo-query.js';
import { EXPIRES_AT, rewriteExpiryPage } from '../../platform/expiry.js';
import { userPk } from '../../platform/keys.js';
import type {
  ExpiryRewriter,
  PagePosition,
  Retention,
  RewrittenPage,
} from '../../privacy/ports/retention-job.js';
import type { RecordPage, UsageRecordReader } from '../ports/read-stores.js';
import type { RecordedMarker, UsageRecord } from '../ports/usage-store.js';

/**
 * Layout of the token_usage table. A record is keyed by its requestId (pk `T#tenant#REQ#<requestId>`,
 * sk `R`), so the record itself is the idempotency marker: it is put on condition that the key is
 * new, and it holds the hash of the body first recorded. `gsi1` lists a user's records in time order
 * (gsi1pk `T#tenant#U#user`, gsi1sk `R#<timestamp>#<requestId>`).
 */
export const USER_RECORDS_INDEX = 'gsi1';
/**
 * Sparse index of the records waiting for a price (only they carry its keys): gsi2pk
 * `T#tenant#UNPRICED#<modelId>`, gsi2sk `<timestamp>#<requestId>`. Repricing removes the keys.
 */
export const UNPRICED_RECORDS_INDEX = 'gsi2';
export const unpricedRecordsPk = (tenantId: string, modelId: string) => `T#${tenantId}#UNPRICED#${modelId}`;
const RECORD_SK = 'R';

export const usageRecordKey = (tenantId: string, requestId: string) => ({
  pk: `T#${tenantId}#REQ#${requestId}`,
  sk: RECORD_SK,
});
const userRecordsSk = (timestamp: string, requestId: string) => `R#${timestamp}#${requestId}`;

/** The item of a record, with the body hash that answers replays. */
export function usageRecordItem(tenantId: string, record: UsageRecord, bodyHash: string): Item {
  return {
    ...usageRecordKey(tenantId, record.requestId),
    gsi1pk: userPk(tenantId, record.userId),
    gsi1sk: userRecordsSk(record.timestamp, record.requestId),
    ...(record.priced === false
      ? {
          gsi2pk: unpricedRecordsPk(tenantId, record.modelId),
          gsi2sk: `${record.timestamp}#${record.requestId}`,
        }
      : {}),
    ...record,
    bodyHash,
  };
}

function recordOf(item: Item): UsageRecord {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _gp,
    gsi1sk: _gs,
    gsi2pk: _up,
    gsi2sk: _us,
    bodyHash: _h,
    ...record
  } = item;
  return record as unknown as UsageRecord;
}

/** Read filter that hides records past their expiry (DynamoDB deletes them some time after it). */
const NOT_EXPIRED = 'attribute_not_exists(#e) OR #e > :now';
const nowSeconds = () => Math.floor(Date.now() / 1000);

export class DynamoUsageRecords implements UsageRecordReader, ExpiryRewriter {
  readonly part = 'usage-records';

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The first recording of a requestId (replays are answered from it), read consistently. */
  async recorded(tenantId: string, requestId: string): Promise<RecordedMarker | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: usageRecordKey(tenantId, requestId),
        ConsistentRead: true,
      }),
    );
    return res.Item ? { bodyHash: String(res.Item.bodyHash), record: recordOf(res.Item) } : undefined;
  }

  /**
   * A user's records in time order, a page at a time, from the index (eventually consistent: a
   * record written a moment ago may show on a later read). Cursors carry the last index key read
   * and are checked to lie in the caller's own partition and range.
   */
  async listRecords(
    tenantId: string,
    userId: string,
    range: { from: string; to: string },
    page: { limit: number; cursor?: string },
  ): Promise<RecordPage> {
    const from = `R#${range.from}`;
    const to = `R#${range.to}T~`;
    const pk = userPk(tenantId, userId);
    const start = page.cursor
      ? decodeCursor(
          page.cursor,
          (key) => {
            const sk = key.sk;
            if (typeof sk !== 'string' || sk < from || sk > to) return undefined;
            const requestId = sk.split('#').slice(2).join('#');
            if (!requestId) return undefined;
            return { gsi1pk: pk, gsi1sk: sk, ...usageRecordKey(tenantId, requestId) };
          },
          'export',
        )
      : undefined;
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: USER_RECORDS_INDEX,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        // A record past its retention is not shown while it waits for deletion.
        FilterExpression: NOT_EXPIRED,
        ExpressionAttributeNames: { '#e': EXPIRES_AT },
        ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to, ':now': nowSeconds() },
        Limit: page.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const last = res.LastEvaluatedKey;
    return {
      records: (res.Items ?? []).map(recordOf),
      ...(last ? { nextCursor: encodeCursor({ sk: last.gsi1sk }) } : {}),
    };
  }

  /**
   * The time of the first and last record of a model still waiting for a price (the sparse index);
   * with `oldestRetained`, records before that instant (expired) are left out.
   */
  async unpricedSpan(
    tenantId: string,
    modelId: string,
    oldestRetained?: string,
  ): Promise<{ firstSeen: string | null; lastSeen: string | null }> {
    const edge = async (forward: boolean) => {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: UNPRICED_RECORDS_INDEX,
          KeyConditionExpression: oldestRetained ? 'gsi2pk = :pk AND gsi2sk > :oldest' : 'gsi2pk = :pk',
          ExpressionAttributeValues: {
            ':pk': unpricedRecordsPk(tenantId, modelId),
            ...(oldestRetained ? { ':oldest': oldestRetained } : {}),
          },
          ProjectionExpression: '#ts',
          ExpressionAttributeNames: { '#ts': 'timestamp' },
          ScanIndexForward: forward,
          Limit: 1,
        }),
      );
      const item = res.Items?.[0];
      return item ? String(item.timestamp) : null;
    };
    const [firstSeen, lastSeen] = await Promise.all([edge(true), edge(false)]);
    return { firstSeen, lastSeen };
  }

  /**
   * A page of a model's records waiting for a price, oldest first (the sparse index: eventually
   * consistent, so a record written a moment ago may show on the next run).
   */
  async unpricedRecords(
    tenantId: string,
    modelId: string,
    page: { limit: number; after?: Record<string, unknown> },
  ): Promise<{ records: UsageRecord[]; after?: Record<string, unknown> }> {
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: UNPRICED_RECORDS_INDEX,
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': unpricedRecordsPk(tenantId, modelId) },
        Limit: page.limit,
        ...(page.after ? { ExclusiveStartKey: page.after } : {}),
      }),
    );
    return {
      records: (res.Items ?? []).map(recordOf),
      ...(res.LastEvaluatedKey ? { after: res.LastEvaluatedKey } : {}),
    };
  }

  /**
   * The expiry of a page of the tenant's records under a new usage retention. The table has no
   * tenant-wide index (a record's key is its requestId), so this is a consistent, filtered Scan
   * from `after`: it reads every tenant's items and keeps the tenant's own. Fit for a rare admin
   * change run in the background, never for a request path; see docs/DATA-PROTECTION.md.
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
        scan: true,
        input: {
          FilterExpression: 'begins_with(pk, :prefix)',
          ProjectionExpression: 'pk, sk, #ts, #e',
          ExpressionAttributeNames: { '#ts': 'timestamp', '#e': EXPIRES_AT },
          ExpressionAttributeValues: { ':prefix': usageRecordKey(tenantId, '').pk },
        },
      },
      after,
      (item) =>
        typeof item.timestamp === 'string'
          ? expiresAtSeconds(item.timestamp, retention.usageDays)
          : undefined,
    );
  }
}
