import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
import { tenantPk, userPk } from '../../platform/keys.js';
import type {
  AlertingConfig,
  AlertingConfigStore,
  Breach,
  BreachStatus,
  BreachStore,
  BreachUpdate,
  Threshold,
  ThresholdStore,
} from '../ports/alerting-store.js';

/** A stable shard (0..shards-1) of an id, so an item stays in one shard of a sparse index. */
export function shardOf(id: string, shards: number): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % shards;
}

const tenantOfPk = (pk: string): string => pk.slice(2);

const strip = (item: Item): Item => {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, tenantId: _t, ...rest } = item;
  return rest;
};

/** Thresholds: pk `T#tenant`, sk `TH#id`; gsi1 by user; gsi2 (sparse) shard index of enabled ones. */
export class DynamoThresholdStore implements ThresholdStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    readonly shards = 8,
  ) {}

  async put(tenantId: string, threshold: Threshold): Promise<void> {
    const sweep = threshold.enabled
      ? {
          gsi2pk: `THS#${shardOf(threshold.thresholdId, this.shards)}`,
          gsi2sk: `${tenantPk(tenantId)}#TH#${threshold.thresholdId}`,
        }
      : {};
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantPk(tenantId),
          sk: `TH#${threshold.thresholdId}`,
          gsi1pk: userPk(tenantId, threshold.userId),
          gsi1sk: `TH#${threshold.createdAt}#${threshold.thresholdId}`,
          ...sweep,
          ...threshold,
        },
      }),
    );
  }

  async get(tenantId: string, thresholdId: string): Promise<Threshold | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: `TH#${thresholdId}` },
        ConsistentRead: true,
      }),
    );
    return res.Item ? (strip(res.Item) as unknown as Threshold) : undefined;
  }

  async listByUser(tenantId: string, userId: string): Promise<Threshold[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :th)',
      ExpressionAttributeValues: { ':pk': userPk(tenantId, userId), ':th': 'TH#' },
    });
    return items.map((i) => strip(i) as unknown as Threshold);
  }

  async delete(tenantId: string, thresholdId: string): Promise<Threshold | undefined> {
    const res = await this.client.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: `TH#${thresholdId}` },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return res.Attributes ? (strip(res.Attributes) as unknown as Threshold) : undefined;
  }

  async listEnabled(shard: number): Promise<{ tenantId: string; threshold: Threshold }[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `THS#${shard}` },
    });
    return items.map((i) => ({
      tenantId: tenantOfPk(String(i.pk)),
      threshold: strip(i) as unknown as Threshold,
    }));
  }
}

export class DynamoAlertingConfigStore implements AlertingConfigStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(tenantId: string, userId: string): Promise<AlertingConfig | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: userPk(tenantId, userId), sk: 'ALERTING' } }),
    );
    return res.Item ? (strip(res.Item) as unknown as AlertingConfig) : undefined;
  }

  async put(tenantId: string, config: AlertingConfig): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: userPk(tenantId, config.userId), sk: 'ALERTING', ...config },
      }),
    );
  }
}

/**
 * Breaches: pk `T#tenant`, sk `B#breachId` (the id is derived from threshold, period and level, so
 * a conditional put admits one per triple); gsi1 by user, newest first; gsi2 (sparse) shard index
 * of breaches that are still open or whose delivery is pending, read by the sweep.
 */
export class DynamoBreachStore implements BreachStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    readonly shards = 8,
  ) {}

  private key(tenantId: string, breachId: string) {
    return { pk: tenantPk(tenantId), sk: `B#${breachId}` };
  }

  private activeIndex(breach: { tenantId: string; breachId: string }) {
    return {
      gsi2pk: `BA#${shardOf(breach.breachId, this.shards)}`,
      gsi2sk: `${tenantPk(breach.tenantId)}#B#${breach.breachId}`,
    };
  }

  async createIfAbsent(breach: Breach): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.key(breach.tenantId, breach.breachId),
            gsi1pk: userPk(breach.tenantId, breach.userId),
            gsi1sk: `${breach.detectedAt}#${breach.breachId}`,
            ...this.activeIndex(breach),
            ...breach,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private toBreach(item: Item): Breach {
    return { ...(strip(item) as unknown as Breach), tenantId: tenantOfPk(String(item.pk)) };
  }

  async get(tenantId: string, breachId: string): Promise<Breach | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: this.key(tenantId, breachId), ConsistentRead: true }),
    );
    return res.Item ? this.toBreach(res.Item) : undefined;
  }

  async listByUser(tenantId: string, userId: string, status?: BreachStatus): Promise<Breach[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': userPk(tenantId, userId), ...(status ? { ':s': status } : {}) },
      ...(status
        ? { FilterExpression: '#status = :s', ExpressionAttributeNames: { '#status': 'status' } }
        : {}),
      ScanIndexForward: false,
    });
    return items.map((i) => this.toBreach(i));
  }

  async listActive(shard: number): Promise<Breach[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `BA#${shard}` },
    });
    return items.map((i) => this.toBreach(i));
  }

  async update(
    tenantId: string,
    breachId: string,
    update: BreachUpdate,
    ifStatus?: readonly BreachStatus[],
  ): Promise<Breach | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    for (const [field, value] of Object.entries(update)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    const conditions = ['attribute_exists(pk)'];
    if (ifStatus && ifStatus.length > 0) {
      names['#status'] = 'status';
      const list = ifStatus.map((s, i) => {
        values[`:if${i}`] = s;
        return `:if${i}`;
      });
      conditions.push(`#status IN (${list.join(', ')})`);
    }
    try {
      const res = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(tenantId, breachId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const breach = this.toBreach(res.Attributes as Item);
      if (breach.status === 'resolved' && breach.delivery === 'done') {
        await this.client
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: this.key(tenantId, breachId),
              UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
              ConditionExpression: '#status = :resolved AND delivery = :done',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':resolved': 'resolved', ':done': 'done' },
            }),
          )
          .catch(() => undefined);
      }
      return breach;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }
}

/** Sweep bookkeeping in the monitoring table: the last run and one item per run. */
export class DynamoSweepLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(summary: { startedAt: string }): Promise<void> {
    const pk = 'T#_system#SWEEP';
    await Promise.all([
      this.client.send(
        new PutCommand({ TableName: this.table, Item: { pk, sk: `RUN#${summary.startedAt}`, ...summary } }),
      ),
      this.client.send(new PutCommand({ TableName: this.table, Item: { pk, sk: 'LAST', ...summary } })),
    ]);
  }
}
