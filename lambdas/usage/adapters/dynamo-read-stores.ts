import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AnalyticsInput,
  BENCHMARK_TIERS,
  type Benchmark,
  INDUSTRIES,
  type UsageCounters,
  ValidationError,
} from '@cost-management/core';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
import { dayRangeEnd, dayRangeStart, userPk } from '../../platform/keys.js';
import type {
  AggregateReader,
  BenchmarkStore,
  ExpiringStore,
  RecordPage,
  UsageRecordReader,
} from '../ports/read-stores.js';
import type { UsageRecord } from '../ports/usage-store.js';

function counters(item: Item): UsageCounters {
  return {
    requests: Number(item.requests ?? 0),
    inputTokens: Number(item.inputTokens ?? 0),
    outputTokens: Number(item.outputTokens ?? 0),
    cacheReadInputTokens: Number(item.cacheReadInputTokens ?? 0),
    cacheWriteInputTokens: Number(item.cacheWriteInputTokens ?? 0),
    costNano: Number(item.costNano ?? 0),
  };
}

export class DynamoAggregateReader implements AggregateReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Strongly consistent: analytics caches what this returns under the all-time request count read
   * just before, so an eventually consistent read could cache figures older than that count (stale
   * for the cache's 24 h). The range is O(days) items, so the doubled read cost is small.
   */
  async readDays(tenantId: string, userId: string, from: string, to: string): Promise<AnalyticsInput> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': userPk(tenantId, userId),
        ':from': dayRangeStart(from),
        ':to': dayRangeEnd(to),
      },
    });
    const input: AnalyticsInput = { from, to, days: [], byModel: [], byOperation: [] };
    for (const item of items) {
      const date = String(item.date);
      if (item.kind === 'day') input.days.push({ date, totals: counters(item) });
      else if (item.kind === 'day-model')
        input.byModel.push({ date, modelId: String(item.modelId), counters: counters(item) });
      else if (item.kind === 'day-operation')
        input.byOperation.push({ date, operation: String(item.operation), counters: counters(item) });
    }
    return input;
  }

  async readCounters(tenantId: string, userId: string, sk: string): Promise<UsageCounters | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: userPk(tenantId, userId), sk } }),
    );
    return res.Item ? counters(res.Item) : undefined;
  }
}

/** Cursors carry the last key read; they are checked to belong to the caller's own partition. */
function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify({ sk: key.sk }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, from: string, to: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { sk?: unknown };
    if (typeof parsed.sk === 'string' && parsed.sk >= from && parsed.sk <= to) return parsed.sk;
  } catch {
    // fall through
  }
  throw new ValidationError('cursor is not valid for this export.', [
    { path: 'cursor', message: 'pass back the nextCursor of the previous page with the same range' },
  ]);
}

export class DynamoUsageRecordReader implements UsageRecordReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async listRecords(
    tenantId: string,
    userId: string,
    range: { from: string; to: string },
    page: { limit: number; cursor?: string },
  ): Promise<RecordPage> {
    const from = `R#${range.from}`;
    const to = `R#${range.to}T~`;
    const pk = userPk(tenantId, userId);
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
        Limit: page.limit,
        ...(page.cursor ? { ExclusiveStartKey: { pk, sk: decodeCursor(page.cursor, from, to) } } : {}),
      }),
    );
    const records = (res.Items ?? []).map((item) => {
      const { pk: _pk, sk: _sk, kind: _kind, ...record } = item;
      return record as UsageRecord;
    });
    return { records, ...(res.LastEvaluatedKey ? { nextCursor: encodeCursor(res.LastEvaluatedKey) } : {}) };
  }
}

export class DynamoExpiringStore implements ExpiringStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get<T>(tenantId: string, userId: string, key: string, now: Date): Promise<T | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: userPk(tenantId, userId), sk: key } }),
    );
    // DynamoDB deletes expired items lazily (within days): check the expiry ourselves.
    if (!res.Item || Number(res.Item.expiresAt) * 1000 <= now.getTime()) return undefined;
    return JSON.parse(String(res.Item.value)) as T;
  }

  async put(
    tenantId: string,
    userId: string,
    key: string,
    value: unknown,
    now: Date,
    ttlSeconds: number,
  ): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: userPk(tenantId, userId),
          sk: key,
          value: JSON.stringify(value),
          createdAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + ttlSeconds,
        },
      }),
    );
  }
}

/** Benchmarks are service-wide reference data under the reserved tenant `_global`. */
const benchmarkPk = (industry: string) => `T#_global#IND#${industry}`;

export class DynamoBenchmarkStore implements BenchmarkStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async list(filter: { industry?: string; tier?: string }): Promise<Benchmark[]> {
    const industries = filter.industry ? [filter.industry] : [...INDUSTRIES];
    const results: Benchmark[] = [];
    for (const industry of industries) {
      const items = await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: filter.tier ? 'pk = :pk AND sk = :sk' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': benchmarkPk(industry),
          ...(filter.tier ? { ':sk': `TIER#${filter.tier}` } : {}),
        },
      });
      results.push(...items.map((i) => i.benchmark as Benchmark));
    }
    const order = (b: Benchmark) => BENCHMARK_TIERS.indexOf(b.tier);
    return results.sort((a, b) => a.industry.localeCompare(b.industry) || order(a) - order(b));
  }

  async seed(benchmarks: readonly Benchmark[]): Promise<void> {
    const puts = benchmarks.map((b) => ({
      PutRequest: { Item: { pk: benchmarkPk(b.industry), sk: `TIER#${b.tier}`, benchmark: b } },
    }));
    for (let i = 0; i < puts.length; i += 25) {
      let pending: typeof puts | undefined = puts.slice(i, i + 25);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 5) throw new Error('benchmarks could not be written');
        const res = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: pending } }),
        );
        pending = res.UnprocessedItems?.[this.table] as typeof puts | undefined;
      }
    }
  }
}
