import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { expiresAtSeconds } from '@cost-management/core';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
import { EXPIRES_AT, rewriteExpiryPage } from '../../platform/expiry.js';
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
import { SWEEP_SHARDS, shardOf, strip, tenantOfPk } from './item-keys.js';

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
 * of breaches that are still open or whose delivery is pending, by their threshold's shard
 * (`BAT#<shard>`, the shard of the thresholds' gsi2), read by the sweep worker of that shard; gsi3 by tenant
 * and status (`T#tenant#S#status`), newest first (`detectedAt#breachId`), moved to the new status's
 * partition with every status change. Breaches are written per threshold, period and level, never
 * per event, so a tenant's partition of gsi3 stays cold however busy the tenant is. Each breach
 * carries `expiresAt` (see {@link breachExpiresAt}); every update is conditioned on the breach
 * existing, so a late notice or sweep never writes a stub of a breach that has expired.
 */
const BREACH_STATUSES: readonly BreachStatus[] = ['open', 'acknowledged', 'resolved'];

/** Partitions of gsi2 holding active breaches by their threshold's shard, and the ones of earlier versions (by the breach id's shard). */
const ACTIVE_PREFIX = 'BAT#';
const LEGACY_ACTIVE_PREFIX = 'BA#';

export class DynamoBreachStore implements BreachStore, ExpiryRewriter {
  readonly part = 'breaches';

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    readonly shards = SWEEP_SHARDS,
    /** Days the tenant keeps history; without it breaches are written without expiry. */
    private readonly historyDays?: (tenantId: string) => Promise<number>,
  ) {}

  private key(tenantId: string, breachId: string) {
    return { pk: tenantPk(tenantId), sk: `B#${breachId}` };
  }

  /** Active breaches are indexed by their threshold's shard (the one of the thresholds' gsi2). */
  private activeIndex(breach: { tenantId: string; breachId: string; thresholdId: string }) {
    return {
      gsi2pk: `${ACTIVE_PREFIX}${shardOf(breach.thresholdId, this.shards)}`,
      gsi2sk: `${tenantPk(breach.tenantId)}#B#${breach.breachId}`,
    };
  }

  private statusPk(tenantId: string, status: BreachStatus) {
    return `${tenantPk(tenantId)}#S#${status}`;
  }

  private statusIndex(breach: Pick<Breach, 'tenantId' | 'breachId' | 'status' | 'detectedAt'>) {
    return {
      gsi3pk: this.statusPk(breach.tenantId, breach.status),
      gsi3sk: `${breach.detectedAt}#${breach.breachId}`,
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
            ...this.statusIndex(breach),
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

  /** Sends a conditional update; false when its condition failed (the state it needs has changed). */
  private async conditionalUpdate(input: UpdateCommandInput): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand(input));
      return true;
    } catch (error) {
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
    return rewriteExpiryPage(
      this.client,
      this.table,
      {
        input: {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
          ProjectionExpression: 'pk, sk, detectedAt, periodEnd, #e',
          ExpressionAttributeNames: { '#e': EXPIRES_AT },
          ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':b': 'B#' },
        },
      },
      after,
      (item) =>
        breachExpiresAt(
          { detectedAt: String(item.detectedAt), periodEnd: String(item.periodEnd ?? item.detectedAt) },
          retention.historyDays,
        ),
    );
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

  async listByTenant(
    tenantId: string,
    status: BreachStatus | undefined,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ breaches: Breach[]; nextCursor?: string }> {
    const scope = status ?? '*';
    const before = page.cursor
      ? decodeCursor(
          page.cursor,
          (key) => (key.t === tenantId && key.s === scope && typeof key.k === 'string' ? key.k : undefined),
          'list of breaches',
        )
      : undefined;
    // Each status is its own partition of gsi3, in the same order: the newest `limit + 1` of each,
    // merged, are the newest `limit + 1` of all.
    const lists = await Promise.all(
      (status ? [status] : BREACH_STATUSES).map((s) => this.newest(tenantId, s, page.limit + 1, before)),
    );
    const merged = lists.flat().sort((a, b) => (a.gsi3sk < b.gsi3sk ? 1 : a.gsi3sk > b.gsi3sk ? -1 : 0));
    const items = merged.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      breaches: items.map((i) => this.toBreach(i)),
      ...(merged.length > page.limit && last
        ? { nextCursor: encodeCursor({ t: tenantId, s: scope, k: last.gsi3sk }) }
        : {}),
    };
  }

  /** Up to `count` breaches of one status of a tenant, newest first, older than `before` when given. */
  private async newest(
    tenantId: string,
    status: BreachStatus,
    count: number,
    before: string | undefined,
  ): Promise<(Item & { gsi3sk: string })[]> {
    const out: (Item & { gsi3sk: string })[] = [];
    let start: Item | undefined;
    do {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi3',
          KeyConditionExpression: before ? 'gsi3pk = :pk AND gsi3sk < :before' : 'gsi3pk = :pk',
          ExpressionAttributeValues: {
            ':pk': this.statusPk(tenantId, status),
            ...(before ? { ':before': before } : {}),
          },
          ScanIndexForward: false,
          Limit: count - out.length,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...((res.Items ?? []) as (Item & { gsi3sk: string })[]));
      start = res.LastEvaluatedKey as Item | undefined;
    } while (start && out.length < count);
    return out;
  }

  async openCountsByUser(tenantId: string): Promise<Map<string, number>> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk',
      ExpressionAttributeValues: { ':pk': this.statusPk(tenantId, 'open') },
      ProjectionExpression: 'userId',
    });
    const counts = new Map<string, number>();
    for (const item of items) {
      const userId = String(item.userId);
      counts.set(userId, (counts.get(userId) ?? 0) + 1);
    }
    return counts;
  }

  async listActive(shard: number): Promise<Breach[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `${ACTIVE_PREFIX}${shard}` },
    });
    return items.map((i) => this.toBreach(i));
  }

  /**
   * Active breaches written before they were indexed by their threshold's shard sit in
   * `BA#<shard of the breach id>`: each is moved to its threshold's partition, on condition that
   * it is still in the old one (a resolution that removed it from the index wins). A page at a
   * time until `deadline`; what is left is moved by the next call.
   */
  async reindexLegacyActive(deadline: number): Promise<{ moved: number; done: boolean }> {
    let moved = 0;
    for (let shard = 0; shard < this.shards; shard++) {
      let start: Item | undefined;
      do {
        if (Date.now() >= deadline) return { moved, done: false };
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :pk',
            ExpressionAttributeValues: { ':pk': `${LEGACY_ACTIVE_PREFIX}${shard}` },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const to = `${ACTIVE_PREFIX}${shardOf(String(item.thresholdId), this.shards)}`;
          const ok = await this.client
            .send(
              new UpdateCommand({
                TableName: this.table,
                Key: { pk: item.pk, sk: item.sk },
                UpdateExpression: 'SET gsi2pk = :to',
                ConditionExpression: 'gsi2pk = :from',
                ExpressionAttributeValues: { ':to': to, ':from': item.gsi2pk },
              }),
            )
            .then(
              () => true,
              (error: { name?: string }) => {
                if (error.name === 'ConditionalCheckFailedException') return false;
                throw error;
              },
            );
          if (ok) moved++;
        }
        start = page.LastEvaluatedKey as Item | undefined;
      } while (start);
    }
    return { moved, done: true };
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
    if (update.status !== undefined) {
      // The breach moves to its new status's partition of gsi3 (same sort key).
      names['#gsi3pk'] = 'gsi3pk';
      values[':gsi3pk'] = this.statusPk(tenantId, update.status);
      sets.push('#gsi3pk = :gsi3pk');
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
      if ((res.Attributes as Item).gsi3sk === undefined) await this.indexByStatus(breach);
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

  /**
   * Puts every breach written before gsi3 existed into it, scanning the whole table page by page:
   * an operator's one-off after the upgrade (`npm run index:backfill`); each on condition that it
   * is still unindexed and of the status read. Answers how many it indexed.
   */
  async indexAllByStatus(): Promise<{ indexed: number }> {
    let indexed = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(sk, :b) AND attribute_not_exists(gsi3sk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':b': 'B#' },
          ProjectionExpression: 'pk, sk, breachId, #status, detectedAt',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const breach = {
          tenantId: tenantOfPk(String(item.pk)),
          breachId: String(item.breachId),
          status: item.status as BreachStatus,
          detectedAt: String(item.detectedAt),
        };
        if (await this.indexByStatus(breach)) indexed++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { indexed };
  }

  /**
   * Puts a breach written before gsi3 existed into it, once, on condition that its status is still
   * the one read (a concurrent status change indexes it itself). Best effort: the next update retries.
   */
  private async indexByStatus(
    breach: Pick<Breach, 'tenantId' | 'breachId' | 'status' | 'detectedAt'>,
  ): Promise<boolean> {
    const index = this.statusIndex(breach);
    return this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(breach.tenantId, breach.breachId),
          UpdateExpression: 'SET gsi3pk = if_not_exists(gsi3pk, :pk), gsi3sk = :sk',
          ConditionExpression: 'attribute_not_exists(gsi3sk) AND #status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': index.gsi3pk, ':sk': index.gsi3sk, ':status': breach.status },
        }),
      )
      .then(
        () => true,
        () => false,
      );
  }

  async claimChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    index: number,
    claim: { channel: NotificationResult['channel']; token: string; now: string; until: string },
  ): Promise<boolean> {
    const at = `#list[${index}]`;
    return this.conditionalUpdate({
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
    });
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
    return this.conditionalUpdate({
      TableName: this.table,
      Key: this.key(tenantId, breachId),
      UpdateExpression: 'SET #list = list_append(#list, :entry)',
      ConditionExpression: 'attribute_exists(pk) AND size(#list) = :length',
      ExpressionAttributeNames: { '#list': list },
      ExpressionAttributeValues: { ':entry': [entry], ':length': length },
    });
  }

  async reopenChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    index: number,
    channel: NotificationResult['channel'],
    at: string,
  ): Promise<boolean> {
    const breach = await this.get(tenantId, breachId);
    if (!breach) return false;
    const entry = `#list[${index}]`;
    return this.conditionalUpdate({
      TableName: this.table,
      Key: this.key(tenantId, breachId),
      // Back in the sweep's index: a resolved breach whose delivery was done had left it.
      UpdateExpression: `SET ${entry}.#retryAt = :at, delivery = :pending, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk`,
      ConditionExpression: `attribute_exists(pk) AND ${entry}.#channel = :channel AND ${entry}.#status = :failed AND attribute_not_exists(${entry}.#retryAt)`,
      ExpressionAttributeNames: {
        '#list': list,
        '#channel': 'channel',
        '#status': 'status',
        '#retryAt': 'retryAt',
      },
      ExpressionAttributeValues: {
        ':at': at,
        ':pending': 'pending',
        ':channel': channel,
        ':failed': 'failed',
        ':gsi2pk': this.activeIndex(breach).gsi2pk,
        ':gsi2sk': this.activeIndex(breach).gsi2sk,
      },
    });
  }

  async claimEscalation(
    tenantId: string,
    breachId: string,
    claim: { token: string; now: string; until: string },
  ): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.table,
      Key: this.key(tenantId, breachId),
      UpdateExpression: 'SET escalationClaim = :token, escalationClaimedUntil = :until',
      ConditionExpression:
        'attribute_exists(pk) AND #status = :open AND attribute_not_exists(escalatedAt)' +
        ' AND (attribute_not_exists(escalationClaimedUntil) OR escalationClaimedUntil <= :now)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':open': 'open',
        ':token': claim.token,
        ':until': claim.until,
        ':now': claim.now,
      },
    });
  }

  async reopenEscalation(tenantId: string, breachId: string): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.table,
      Key: this.key(tenantId, breachId),
      UpdateExpression: 'REMOVE escalatedAt, escalationClaim, escalationClaimedUntil',
      ConditionExpression: 'attribute_exists(pk) AND #status = :open AND attribute_exists(escalatedAt)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':open': 'open' },
    });
  }
}
