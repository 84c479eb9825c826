import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
import { tenantPk, userPk } from '../../platform/keys.js';
import type {
  Breach,
  BreachStatus,
  BreachStore,
  BreachUpdate,
  NoticeList,
  NotificationResult,
} from '../ports/alerting-store.js';
import { shardOf, strip, tenantOfPk } from './item-keys.js';

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

  async claimChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    index: number,
    claim: { channel: NotificationResult['channel']; token: string; now: string; until: string },
  ): Promise<boolean> {
    const at = `#list[${index}]`;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(tenantId, breachId),
          UpdateExpression: `SET ${at}.#status = :sending, ${at}.#claim = :token, ${at}.#until = :until`,
          ConditionExpression:
            `${at}.#channel = :channel AND (${at}.#status = :pending` +
            ` OR (${at}.#status = :failed AND ${at}.#retryAt <= :now)` +
            ` OR (${at}.#status = :sending AND ${at}.#until <= :now))`,
          ExpressionAttributeNames: {
            '#list': list,
            '#status': 'status',
            '#claim': 'claim',
            '#until': 'claimedUntil',
            '#channel': 'channel',
            '#retryAt': 'retryAt',
          },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':pending': 'pending',
            ':failed': 'failed',
            ':token': claim.token,
            ':until': claim.until,
            ':now': claim.now,
            ':channel': claim.channel,
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async recordChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    index: number,
    token: string,
    result: NotificationResult,
  ): Promise<Breach | undefined> {
    try {
      const res = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(tenantId, breachId),
          UpdateExpression: `SET #list[${index}] = :result`,
          ConditionExpression: `#list[${index}].#claim = :token`,
          ExpressionAttributeNames: { '#list': list, '#claim': 'claim' },
          ExpressionAttributeValues: { ':result': result, ':token': token },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.toBreach(res.Attributes as Item);
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  async appendChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    length: number,
    entry: NotificationResult,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(tenantId, breachId),
          UpdateExpression: 'SET #list = list_append(#list, :entry)',
          ConditionExpression: 'size(#list) = :length',
          ExpressionAttributeNames: { '#list': list },
          ExpressionAttributeValues: { ':entry': [entry], ':length': length },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
