import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { BENCHMARK_TIERS, type Benchmark, INDUSTRIES } from '@cost-management/core';
import { deleteKeys, partitionKeys } from '../../platform/dynamo-erase.js';
import { queryAll } from '../../platform/dynamo-query.js';
import { userPk } from '../../platform/keys.js';
import type { BenchmarkStore, ExpiringStore } from '../ports/read-stores.js';

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

  /** True while the user has an entry, expired or not (erasure). */
  async holdsUser(tenantId: string, userId: string): Promise<boolean> {
    return (await partitionKeys(this.client, this.table, userPk(tenantId, userId), 1)).length > 0;
  }

  /** Deletes up to `limit` entries of the user (erasure); answers how many. */
  async eraseUser(tenantId: string, userId: string, limit = 100): Promise<number> {
    const keys = await partitionKeys(this.client, this.table, userPk(tenantId, userId), limit);
    await deleteKeys(this.client, this.table, keys);
    return keys.length;
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
