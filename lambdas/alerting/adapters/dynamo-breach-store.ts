import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { expiresAtSeconds } from '@cost-management/core';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
import { EXPIRES_AT, EXPIRY_PAGE_SIZE, rewriteExpiries } from '../../platform/expiry.js';
import { tenantPk, userPk } from '../../platform/keys.js';
import type {
  ExpiryRewriter,
  PagePosition,
  Retention,
  RewrittenPage,
} from '../../privacy/ports/retention-job.js';
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
 * When a breach expires: the tenant's history retention after the later of its detection and the
 * end of its period. Counting from the period's end means a breach outlives its period, so the
 * conditional put that admits one breach per threshold, period and level can never admit a second
 * one because the first has expired.
 */
export function breachExpiresAt(
  breach: Pick<Breach, 'detectedAt' | 'periodEnd'>,
  historyDays: number,
): number {
  const from = breach.periodEnd > breach.detectedAt ? breach.periodEnd : breach.detectedAt;
  return expiresAtSeconds(from, historyDays);
}

/**
 * Breaches: pk `T#tenant`, sk `B#breachId` (the id is derived from threshold, period and level, so
 * a conditional put admits one per triple); gsi1 by user, newest first; gsi2 (sparse) shard index
 * of breaches that are still open or whose delivery is pending, read by the sweep. Each breach
 * carries `expiresAt` (see {@link breachExpiresAt}); every update is conditioned on the breach
 * existing, so a late notice or sweep never writes a stub of a breach that has expired.
 */
export class DynamoBreachStore implements BreachStore, ExpiryRewriter {
  readonly part = 'breaches';

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    readonly shards = 8,
    /** Days the tenant keeps history; without it breaches are written without expiry. */
    private readonly historyDays?: (tenantId: string) => Promise<number>,
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
    const days = this.historyDays ? await this.historyDays(breach.tenantId) : undefined;
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
            ...(days !== undefined ? { [EXPIRES_AT]: breachExpiresAt(breach, days) } : {}),
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
    const { [EXPIRES_AT]: _expiresAt, ...rest } = strip(item);
    return { ...(rest as unknown as Breach), tenantId: tenantOfPk(String(item.pk)) };
  }

  /** The expiry of a page of the tenant's breaches under a new history retention. */
  async rewritePage(
    tenantId: string,
    retention: Retention,
    after: PagePosition | undefined,
  ): Promise<RewrittenPage> {
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
        ProjectionExpression: 'pk, sk, detectedAt, periodEnd, #e',
        ExpressionAttributeNames: { '#e': EXPIRES_AT },
        ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':b': 'B#' },
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
        target: breachExpiresAt(
          { detectedAt: String(item.detectedAt), periodEnd: String(item.periodEnd ?? item.detectedAt) },
          retention.historyDays,
        ),
      })),
    );
    return {
      examined: items.length,
      rewritten,
      ...(res.LastEvaluatedKey ? { next: res.LastEvaluatedKey } : {}),
    };
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
              ConditionExpression: 'attribute_exists(pk) AND #status = :resolved AND delivery = :done',
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
            `attribute_exists(pk) AND ${at}.#channel = :channel AND (${at}.#status = :pending` +
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
          ConditionExpression: `attribute_exists(pk) AND #list[${index}].#claim = :token`,
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
          ConditionExpression: 'attribute_exists(pk) AND size(#list) = :length',
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
