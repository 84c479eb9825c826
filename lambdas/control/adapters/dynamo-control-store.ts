import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type NanoUsd, type TokenBucket, ValidationError } from '@cost-management/core';
import { UnavailableError } from '../../platform/errors.js';
import { tenantPk, userPk } from '../../platform/keys.js';
import {
  type ActionHistoryReader,
  CONTROL_SWEEP_SHARDS,
  type ControlActionRecord,
  type ControlItem,
  type ControlStore,
  type Reservation,
  type ReserveOutcome,
  type Transition,
  type TransitionOutcome,
} from '../ports/control-store.js';

type Item = Record<string, unknown>;

/** Sort key of the config-and-state item of a user. */
export const CONTROL_SK = 'CONTROL';
/** Sort-key prefix of the hard-budget reservations of a user, one item each. */
export const RESERVATION_SK_PREFIX = 'R#';

const actionSk = (actionId: string) => `A#${actionId}`;

/** Placeholders for the state attributes (several are DynamoDB reserved words). */
const STATE_NAMES: Record<string, string> = {
  '#state': 'state',
  '#seen': 'seenNano',
  '#head': 'headroomNano',
  '#period': 'periodKey',
  '#reserved': 'reservedNano',
};

/** The placeholders an expression uses (DynamoDB rejects unused ones). */
function namesFor(...placeholders: string[]): Record<string, string> {
  return Object.fromEntries(placeholders.map((p) => [p, STATE_NAMES[p] as string]));
}

function shardOf(tenantId: string, userId: string): number {
  let hash = 0;
  for (const c of `${tenantId}#${userId}`) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return hash % CONTROL_SWEEP_SHARDS;
}

const MAX_CONFLICT_RETRIES = 10;
const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random())));

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

function toItem(tenantId: string, item: ControlItem): Item {
  const pk = userPk(tenantId, item.userId);
  return {
    pk,
    sk: CONTROL_SK,
    kind: 'control',
    tenantId,
    ...item,
    ...(item.enabled ? { gsi1pk: `AC#${shardOf(tenantId, item.userId)}`, gsi1sk: pk } : {}),
  };
}

function fromItem(raw: Item): ControlItem {
  const { pk: _pk, sk: _sk, kind: _kind, tenantId: _t, gsi1pk: _g1, gsi1sk: _g2, ...rest } = raw;
  return rest as unknown as ControlItem;
}

function toActionItem(tenantId: string, record: ControlActionRecord): Item {
  return {
    pk: tenantPk(tenantId),
    sk: actionSk(record.actionId),
    gsi1pk: userPk(tenantId, record.userId),
    gsi1sk: `${record.at}#${record.actionId}`,
    ...record,
  };
}

function fromActionItem(raw: Item): ControlActionRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = raw;
  return rest as unknown as ControlActionRecord;
}

export interface DynamoControlStoreTables {
  configTable: string;
  actionsTable: string;
}

/** Reads the audit trail only (the actions table's user index). */
export class DynamoActionHistory implements ActionHistoryReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly actionsTable: string,
  ) {}

  async listActions(
    tenantId: string,
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ records: ControlActionRecord[]; nextCursor?: string }> {
    const gsi1pk = userPk(tenantId, userId);
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.actionsTable,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1pk },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: { ...decodeHistoryCursor(cursor, tenantId), gsi1pk } } : {}),
      }),
    );
    const last = res.LastEvaluatedKey;
    return {
      records: (res.Items ?? []).map(fromActionItem),
      ...(last
        ? {
            nextCursor: Buffer.from(
              JSON.stringify({ pk: last.pk, sk: last.sk, gsi1sk: last.gsi1sk }),
            ).toString('base64url'),
          }
        : {}),
    };
  }
}

/** A history cursor names an entry of the caller's own tenant; anything else is refused. */
function decodeHistoryCursor(cursor: string, tenantId: string): { pk: string; sk: string; gsi1sk: string } {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      key.pk === tenantPk(tenantId) &&
      typeof key.sk === 'string' &&
      key.sk.startsWith('A#') &&
      typeof key.gsi1sk === 'string'
    ) {
      return { pk: key.pk, sk: key.sk, gsi1sk: key.gsi1sk };
    }
  } catch {
    // fall through
  }
  throw new ValidationError('cursor is not valid for this history.', [
    { path: 'cursor', message: 'pass back the nextCursor of the previous page' },
  ]);
}

/** Cost-control config, live state and audit trail in DynamoDB. */
export class DynamoControlStore implements ControlStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: DynamoControlStoreTables,
  ) {}

  private key(tenantId: string, userId: string) {
    return { pk: userPk(tenantId, userId), sk: CONTROL_SK };
  }

  async get(tenantId: string, userId: string): Promise<ControlItem | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tables.configTable,
        Key: this.key(tenantId, userId),
        ConsistentRead: true,
      }),
    );
    return res.Item ? fromItem(res.Item) : undefined;
  }

  async put(
    tenantId: string,
    item: ControlItem,
    expected: { version: number; reservedNano: NanoUsd } | null,
    records: ControlActionRecord[] = [],
  ): Promise<'created' | 'replaced' | 'changed'> {
    const put = {
      TableName: this.tables.configTable,
      Item: toItem(tenantId, item),
      ...(expected
        ? {
            ConditionExpression: '#state.#v = :v AND #state.#reserved = :r',
            ExpressionAttributeNames: { '#state': 'state', '#v': 'version', '#reserved': 'reservedNano' },
            ExpressionAttributeValues: { ':v': expected.version, ':r': expected.reservedNano },
          }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    };
    try {
      if (records.length === 0) {
        await this.client.send(new PutCommand(put));
      } else {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: put },
              ...records.map((record) => ({
                Put: {
                  TableName: this.tables.actionsTable,
                  Item: toActionItem(tenantId, record),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
            ],
          }),
        );
      }
      return expected ? 'replaced' : 'created';
    } catch (error) {
      if (isConditionFailure(error)) return 'changed';
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) {
          return 'changed';
        }
      }
      throw error;
    }
  }

  async transition(tenantId: string, t: Transition): Promise<TransitionOutcome> {
    const names: Record<string, string> = { '#state': 'state', '#v': 'version' };
    const values: Record<string, unknown> = { ':v': t.expectedVersion, ':next': t.expectedVersion + 1 };
    const sets = ['#state.#v = :next'];
    Object.entries(t.next).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      sets.push(`#state.#f${i} = :f${i}`);
    });
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: this.tables.configTable,
          Key: this.key(tenantId, t.userId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#state.#v = :v',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      ...t.records.map((record) => ({
        Put: {
          TableName: this.tables.actionsTable,
          Item: toActionItem(tenantId, record),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
    ];
    if (t.markReversed) {
      items.push({
        Update: {
          TableName: this.tables.actionsTable,
          Key: { pk: tenantPk(tenantId), sk: actionSk(t.markReversed.actionId) },
          UpdateExpression: 'SET reversedAt = :at, reversedBy = :by',
          ConditionExpression: 'attribute_exists(pk) AND reversedAt = :null',
          ExpressionAttributeValues: {
            ':at': t.markReversed.reversedAt,
            ':by': t.markReversed.reversedBy,
            ':null': null,
          },
        },
      });
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'written';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (t.markReversed && reasons[items.length - 1]?.Code === 'ConditionalCheckFailed') {
        return 'already-reversed';
      }
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) {
        return 'state-changed';
      }
      throw error;
    }
  }

  private async conditionalUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  accountSpend(tenantId: string, userId: string, periodKey: string, from: NanoUsd, to: NanoUsd) {
    return this.conditionalUpdate({
      TableName: this.tables.configTable,
      Key: this.key(tenantId, userId),
      UpdateExpression: 'SET #state.#seen = :to ADD #state.#head :delta',
      ConditionExpression: '#state.#seen = :from AND #state.#period = :pk',
      ExpressionAttributeNames: namesFor('#state', '#seen', '#head', '#period'),
      ExpressionAttributeValues: { ':to': to, ':from': from, ':delta': -(to - from), ':pk': periodKey },
    });
  }

  async reserve(
    tenantId: string,
    userId: string,
    requestId: string,
    reservation: Reservation,
  ): Promise<ReserveOutcome> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryReserve(tenantId, userId, requestId, reservation);
      if (outcome !== 'conflict') return outcome;
      if (attempt >= MAX_CONFLICT_RETRIES) throw new UnavailableError();
      await backoff(attempt);
    }
  }

  private async tryReserve(
    tenantId: string,
    userId: string,
    requestId: string,
    reservation: Reservation,
  ): Promise<ReserveOutcome | 'conflict'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.configTable,
                Key: this.key(tenantId, userId),
                UpdateExpression: 'ADD #state.#head :neg, #state.#reserved :n',
                ConditionExpression: '#state.#head >= :n AND #state.#period = :pk',
                ExpressionAttributeNames: namesFor('#state', '#head', '#reserved', '#period'),
                ExpressionAttributeValues: {
                  ':n': reservation.nano,
                  ':neg': -reservation.nano,
                  ':pk': reservation.periodKey,
                },
              },
            },
            {
              Put: {
                TableName: this.tables.configTable,
                Item: {
                  ...this.reservationKey(tenantId, userId, requestId),
                  kind: 'reservation',
                  requestId,
                  ...reservation,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return 'reserved';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'exists';
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'refused';
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return 'conflict';
      throw error;
    }
  }

  private reservationKey(tenantId: string, userId: string, requestId: string) {
    return { pk: userPk(tenantId, userId), sk: `${RESERVATION_SK_PREFIX}${requestId}` };
  }

  async release(tenantId: string, userId: string, requestId: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryRelease(tenantId, userId, requestId);
      if (outcome !== 'conflict') return outcome;
      if (attempt >= MAX_CONFLICT_RETRIES) throw new UnavailableError();
      await backoff(attempt);
    }
  }

  private async tryRelease(
    tenantId: string,
    userId: string,
    requestId: string,
  ): Promise<boolean | 'conflict'> {
    const key = this.reservationKey(tenantId, userId, requestId);
    const res = await this.client.send(
      new GetCommand({ TableName: this.tables.configTable, Key: key, ConsistentRead: true }),
    );
    if (!res.Item) return false;
    const { nano, periodKey } = res.Item as Reservation;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tables.configTable,
                Key: key,
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              // The headroom is given back only within the reservation's period; a new period
              // starts with a fresh headroom.
              Update: {
                TableName: this.tables.configTable,
                Key: this.key(tenantId, userId),
                UpdateExpression: 'ADD #state.#head :n, #state.#reserved :neg',
                ConditionExpression: '#state.#period = :pk',
                ExpressionAttributeNames: namesFor('#state', '#head', '#reserved', '#period'),
                ExpressionAttributeValues: { ':n': nano, ':neg': -nano, ':pk': periodKey },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
      if (reasons[1]?.Code === 'ConditionalCheckFailed') {
        await this.client.send(new DeleteCommand({ TableName: this.tables.configTable, Key: key }));
        return true;
      }
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return 'conflict';
      throw error;
    }
  }

  async expiredReservations(tenantId: string, userId: string, nowMs: number): Promise<string[]> {
    const ids: string[] = [];
    let start: Item | undefined;
    do {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.tables.configTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: 'expiresAtMs <= :now',
          ExpressionAttributeValues: {
            ':pk': userPk(tenantId, userId),
            ':prefix': RESERVATION_SK_PREFIX,
            ':now': nowMs,
          },
          ProjectionExpression: 'requestId',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      ids.push(...(res.Items ?? []).map((i) => String(i.requestId)));
      start = res.LastEvaluatedKey as Item | undefined;
    } while (start);
    return ids;
  }

  saveBucket(tenantId: string, userId: string, expected: TokenBucket | null, next: TokenBucket) {
    return this.conditionalUpdate({
      TableName: this.tables.configTable,
      Key: this.key(tenantId, userId),
      UpdateExpression: 'SET #state.#bucket = :next',
      ConditionExpression: expected
        ? '#state.#bucket.#at = :at AND #state.#bucket.#tokens = :tokens'
        : 'attribute_exists(pk) AND (attribute_not_exists(#state.#bucket) OR #state.#bucket = :null)',
      ExpressionAttributeNames: expected
        ? { '#state': 'state', '#bucket': 'bucket', '#at': 'updatedAtMs', '#tokens': 'tokens' }
        : { '#state': 'state', '#bucket': 'bucket' },
      ExpressionAttributeValues: expected
        ? { ':next': next, ':at': expected.updatedAtMs, ':tokens': expected.tokens }
        : { ':next': next, ':null': null },
    });
  }

  async getAction(tenantId: string, actionId: string): Promise<ControlActionRecord | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tables.actionsTable,
        Key: { pk: tenantPk(tenantId), sk: actionSk(actionId) },
        ConsistentRead: true,
      }),
    );
    return res.Item ? fromActionItem(res.Item) : undefined;
  }

  async listEnabled(shard: number, cursor?: string) {
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.tables.configTable,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `AC#${shard}` },
        ProjectionExpression: 'pk, sk, gsi1pk, gsi1sk, tenantId, userId',
        ...(cursor
          ? { ExclusiveStartKey: JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) }
          : {}),
      }),
    );
    const next = res.LastEvaluatedKey;
    return {
      items: (res.Items ?? []).map((i) => ({ tenantId: String(i.tenantId), userId: String(i.userId) })),
      ...(next ? { cursor: Buffer.from(JSON.stringify(next), 'utf8').toString('base64url') } : {}),
    };
  }
}
