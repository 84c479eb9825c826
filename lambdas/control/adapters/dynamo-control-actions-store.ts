import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type ControlActionRecord, expiresAtSeconds } from '@cost-management/core';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { EXPIRES_AT, rewriteExpiryPage } from '../../platform/expiry.js';
import { tenantPk, userPk } from '../../platform/keys.js';
import type {
  ExpiryRewriter,
  PagePosition,
  Retention,
  RewrittenPage,
} from '../../privacy/ports/retention-job.js';
import type { ControlActionsStore } from '../ports/control-actions-store.js';

type Item = Record<string, unknown>;
/** One item of a `TransactWriteItems` call. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const ACTION_SK_PREFIX = 'A#';
const actionSk = (actionId: string) => `${ACTION_SK_PREFIX}${actionId}`;

function toActionItem(tenantId: string, record: ControlActionRecord, historyDays?: number): Item {
  return {
    pk: tenantPk(tenantId),
    sk: actionSk(record.actionId),
    gsi1pk: userPk(tenantId, record.userId),
    gsi1sk: `${record.at}#${record.actionId}`,
    ...record,
    ...(historyDays !== undefined ? { [EXPIRES_AT]: expiresAtSeconds(record.at, historyDays) } : {}),
  };
}

function fromActionItem(raw: Item): ControlActionRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, [EXPIRES_AT]: _e, ...rest } = raw;
  return rest as unknown as ControlActionRecord;
}

/**
 * The audit trail of control actions in DynamoDB: entries keyed by tenant and action id, a user index
 * for the history. Entries are written only inside the transactions of the config store, which
 * composes the items this adapter builds. Each entry expires the tenant's history retention after
 * it was written; marking one reversed is conditioned on it existing, so an expired entry stays gone.
 */
export class DynamoControlActionsStore implements ControlActionsStore, ExpiryRewriter {
  readonly part = 'control-actions';

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    /** Days the tenant keeps history; without it entries are written without expiry. */
    private readonly historyDays?: (tenantId: string) => Promise<number>,
  ) {}

  /** The tenant's history retention, read before a transaction's entries are built. */
  async retentionDays(tenantId: string): Promise<number | undefined> {
    return this.historyDays ? this.historyDays(tenantId) : undefined;
  }

  /** Puts a new audit entry, on condition that its id is new; `historyDays` sets its expiry. */
  putEntry(tenantId: string, record: ControlActionRecord, historyDays?: number): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: toActionItem(tenantId, record, historyDays),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** The expiry of a page of the tenant's entries under a new history retention. */
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
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
          ProjectionExpression: 'pk, sk, #at, #e',
          ExpressionAttributeNames: { '#at': 'at', '#e': EXPIRES_AT },
          ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':a': ACTION_SK_PREFIX },
        },
      },
      after,
      (item) => expiresAtSeconds(String(item.at), retention.historyDays),
    );
  }

  /** Marks an applied entry reversed, on condition that it exists and is not reversed yet. */
  markReversed(
    tenantId: string,
    mark: { actionId: string; reversedAt: string; reversedBy: string },
  ): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: actionSk(mark.actionId) },
        UpdateExpression: 'SET reversedAt = :at, reversedBy = :by',
        ConditionExpression: 'attribute_exists(pk) AND reversedAt = :null',
        ExpressionAttributeValues: { ':at': mark.reversedAt, ':by': mark.reversedBy, ':null': null },
      },
    };
  }

  async getAction(tenantId: string, actionId: string): Promise<ControlActionRecord | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: actionSk(actionId) },
        ConsistentRead: true,
      }),
    );
    return res.Item ? fromActionItem(res.Item) : undefined;
  }

  async listActions(
    tenantId: string,
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ records: ControlActionRecord[]; nextCursor?: string }> {
    const gsi1pk = userPk(tenantId, userId);
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1pk },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: { ...historyKey(cursor, tenantId), gsi1pk } } : {}),
      }),
    );
    const last = res.LastEvaluatedKey;
    return {
      records: (res.Items ?? []).map(fromActionItem),
      ...(last ? { nextCursor: encodeCursor({ pk: last.pk, sk: last.sk, gsi1sk: last.gsi1sk }) } : {}),
    };
  }
}

/** A history cursor names an entry of the caller's own tenant; anything else is refused. */
function historyKey(cursor: string, tenantId: string): { pk: string; sk: string; gsi1sk: string } {
  return decodeCursor(
    cursor,
    (key) =>
      key.pk === tenantPk(tenantId) &&
      typeof key.sk === 'string' &&
      key.sk.startsWith(ACTION_SK_PREFIX) &&
      typeof key.gsi1sk === 'string'
        ? { pk: key.pk, sk: key.sk, gsi1sk: key.gsi1sk }
        : undefined,
    'history',
  );
}
