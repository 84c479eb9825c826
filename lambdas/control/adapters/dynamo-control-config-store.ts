import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ControlActionRecord, ControlItem, NanoUsd, TokenBucket } from '@cost-management/core';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { UnavailableError } from '../../platform/errors.js';
import { userPk } from '../../platform/keys.js';
import { backoff } from '../../platform/retry.js';
import type { AuditWrite } from '../../privacy/ports/audit-log.js';
import {
  CONTROL_SWEEP_SHARDS,
  type ControlConfigStore,
  type Reservation,
  type ReserveOutcome,
  type Transition,
  type TransitionOutcome,
} from '../ports/control-config-store.js';
import type { DynamoControlActionsStore, TransactItem } from './dynamo-control-actions-store.js';

type Item = Record<string, unknown>;

/** Sort key of the config-and-state item of a user. */
export const CONTROL_SK = 'CONTROL';
/** Sort-key prefix of the hard-budget reservations of a user, one item each. */
export const RESERVATION_SK_PREFIX = 'R#';
/** Partition-key prefix of the sparse index of enabled configurations. */
const ENABLED_SHARD_PREFIX = 'AC#';

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
/** Backoff between attempts that lost to a concurrent transaction. */
const CONFLICT_BACKOFF = { baseMs: 10, capMs: 200 };

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

function toItem(tenantId: string, item: ControlItem): Item {
  const pk = userPk(tenantId, item.userId);
  return {
    pk,
    sk: CONTROL_SK,
    kind: 'control',
    tenantId,
    ...item,
    ...(item.enabled
      ? { gsi1pk: `${ENABLED_SHARD_PREFIX}${shardOf(tenantId, item.userId)}`, gsi1sk: pk }
      : {}),
  };
}

function fromItem(raw: Item): ControlItem {
  const { pk: _pk, sk: _sk, kind: _kind, tenantId: _t, gsi1pk: _g1, gsi1sk: _g2, ...rest } = raw;
  return rest as unknown as ControlItem;
}

/** A sweep cursor names a key of the shard it pages. */
function enabledKey(cursor: string, shard: number): Item {
  return decodeCursor(
    cursor,
    (key) => (key.gsi1pk === `${ENABLED_SHARD_PREFIX}${shard}` ? key : undefined),
    'sweep',
  );
}

/**
 * The auto_control_config table in DynamoDB: per user the config-and-state item, the hard-budget
 * reservations (one item each) and the token bucket on the state; a sparse, sharded index of the
 * enabled configurations. Level changes carry their audit entries, built by the actions store, in
 * the same transaction.
 */
export class DynamoControlConfigStore implements ControlConfigStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly actions: DynamoControlActionsStore,
  ) {}

  private key(tenantId: string, userId: string) {
    return { pk: userPk(tenantId, userId), sk: CONTROL_SK };
  }

  async get(tenantId: string, userId: string): Promise<ControlItem | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: this.key(tenantId, userId),
        ConsistentRead: true,
      }),
    );
    return res.Item ? fromItem(res.Item) : undefined;
  }

  async getMany(tenantId: string, userIds: readonly string[]): Promise<ControlItem[]> {
    const out: ControlItem[] = [];
    const unique = [...new Set(userIds)];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Item[] | undefined = unique.slice(i, i + 100).map((u) => this.key(tenantId, u));
      for (let attempt = 0; pending && pending.length > 0 && attempt < MAX_CONFLICT_RETRIES; attempt++) {
        if (attempt > 0) await backoff(attempt, CONFLICT_BACKOFF);
        const res = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending } } }),
        );
        for (const item of res.Responses?.[this.table] ?? []) out.push(fromItem(item));
        pending = res.UnprocessedKeys?.[this.table]?.Keys as Item[] | undefined;
      }
      if (pending && pending.length > 0) {
        throw new UnavailableError(`${pending.length} control configurations not read after retries`);
      }
    }
    return out;
  }

  async put(
    tenantId: string,
    item: ControlItem,
    expected: { version: number; reservedNano: NanoUsd } | null,
    records: ControlActionRecord[] = [],
    audit?: AuditWrite,
  ): Promise<'created' | 'replaced' | 'changed'> {
    const put = {
      TableName: this.table,
      Item: toItem(tenantId, item),
      ...(expected
        ? {
            ConditionExpression: '#state.#v = :v AND #state.#reserved = :r',
            ExpressionAttributeNames: { '#state': 'state', '#v': 'version', '#reserved': 'reservedNano' },
            ExpressionAttributeValues: { ':v': expected.version, ':r': expected.reservedNano },
          }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    };
    const days = records.length > 0 ? await this.actions.retentionDays(tenantId) : undefined;
    try {
      if (records.length === 0 && !audit) {
        await this.client.send(new PutCommand(put));
      } else {
        // The configuration, the control entries it ends and the audit entry of the change: all or nothing.
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: put },
              ...records.map((record) => this.actions.putEntry(tenantId, record, days)),
              ...(audit ? [{ Put: audit.put }] : []),
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
    const days = t.records.length > 0 ? await this.actions.retentionDays(tenantId) : undefined;
    const names: Record<string, string> = { '#state': 'state', '#v': 'version' };
    const values: Record<string, unknown> = { ':v': t.expectedVersion, ':next': t.expectedVersion + 1 };
    const sets = ['#state.#v = :next'];
    Object.entries(t.next).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      sets.push(`#state.#f${i} = :f${i}`);
    });
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: this.key(tenantId, t.userId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#state.#v = :v',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      ...t.records.map((record) => this.actions.putEntry(tenantId, record, days)),
      ...(t.audit ? [{ Put: t.audit.put }] : []),
    ];
    if (t.markReversed) items.push(this.actions.markReversed(tenantId, t.markReversed));
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
      TableName: this.table,
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
      await backoff(attempt, CONFLICT_BACKOFF);
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
                TableName: this.table,
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
                TableName: this.table,
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
      await backoff(attempt, CONFLICT_BACKOFF);
    }
  }

  private async tryRelease(
    tenantId: string,
    userId: string,
    requestId: string,
  ): Promise<boolean | 'conflict'> {
    const key = this.reservationKey(tenantId, userId, requestId);
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    if (!res.Item) return false;
    const { nano, periodKey } = res.Item as Reservation;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: key,
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              // The headroom is given back only within the reservation's period; a new period
              // starts with a fresh headroom.
              Update: {
                TableName: this.table,
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
        await this.client.send(new DeleteCommand({ TableName: this.table, Key: key }));
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
          TableName: this.table,
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
      TableName: this.table,
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

  async listEnabled(shard: number, cursor?: string) {
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `${ENABLED_SHARD_PREFIX}${shard}` },
        ProjectionExpression: 'pk, sk, gsi1pk, gsi1sk, tenantId, userId',
        ...(cursor ? { ExclusiveStartKey: enabledKey(cursor, shard) } : {}),
      }),
    );
    const next = res.LastEvaluatedKey;
    return {
      items: (res.Items ?? []).map((i) => ({ tenantId: String(i.tenantId), userId: String(i.userId) })),
      ...(next ? { cursor: encodeCursor(next) } : {}),
    };
  }
}
