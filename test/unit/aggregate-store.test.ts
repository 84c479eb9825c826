import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type PeriodKind, periodOf } from '@cost-management/core';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lambdas/platform/dynamo-client.js';
import {
  aggregateIncrements,
  DynamoAggregateStore,
} from '../../lambdas/usage/adapters/dynamo-aggregate-store.js';
import type { PreparedUsage } from '../../lambdas/usage/ports/usage-store.js';

const offlineClient = () =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );

describe('DynamoAggregateStore', () => {
  it('reads the daily aggregates strongly consistent, inside the caller’s partition', async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb.on(QueryCommand).resolves({ Items: [] });
    const reader = new DynamoAggregateStore(createDocumentClient({ region: 'us-east-1' }), 'analytics');
    await reader.readDays('tenant-a', 'alice', '2026-11-01', '2026-11-30');
    const input = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    // Analytics caches this result under request counts read just before it: an eventually
    // consistent read could cache figures older than those counts for the cache's lifetime.
    expect(input?.ConsistentRead).toBe(true);
    expect(input?.ExpressionAttributeValues?.[':pk']).toBe('T#tenant-a#U#alice');
    ddb.restore();
  });

  it('reads a UTC day, week or month from items every event adds to (2024-2027)', async () => {
    const client = offlineClient();
    const mock = mockClient(client);
    mock.on(BatchGetCommand).resolves({ Responses: { agg: [] } });
    const store = new DynamoAggregateStore(client, 'agg');
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 86_400_000 + 3_600_000) {
      const timestamp = new Date(ms).toISOString();
      const event = { record: { timestamp, userId: 'u', modelId: 'm' }, periods: [] };
      const written = new Set(
        aggregateIncrements('t', [event as unknown as PreparedUsage]).map((i) => `${i.key.pk}|${i.key.sk}`),
      );
      for (const kind of ['daily', 'weekly', 'monthly'] as PeriodKind[]) {
        mock.resetHistory();
        await store.costs([{ tenantId: 't', userId: 'u', period: periodOf(kind, timestamp, 'UTC') }]);
        const keys = (mock.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.agg?.Keys ?? []) as {
          pk: string;
          sk: string;
        }[];
        // The period's spend includes this event: one of the items read is one it wrote to.
        expect(keys.some((k) => written.has(`${k.pk}|${k.sk}`))).toBe(true);
      }
    }
    mock.restore();
  });

  it('throws rather than answering 0 for totals DynamoDB left unprocessed', async () => {
    const client = offlineClient();
    const mock = mockClient(client);
    mock.on(BatchGetCommand).resolves({
      Responses: { agg: [] },
      UnprocessedKeys: { agg: { Keys: [{ pk: 'T#t#U#u', sk: 'D#2026-11-23' }] } },
    });
    vi.useFakeTimers();
    try {
      const reading = new DynamoAggregateStore(client, 'agg').costs([
        { tenantId: 't', userId: 'u', period: periodOf('daily', '2026-11-23T10:00:00Z', 'UTC') },
      ]);
      const outcome = reading.then(
        () => 'resolved',
        (error: Error) => error.name,
      );
      await vi.runAllTimersAsync();
      expect(await outcome).toBe('UnavailableError');
    } finally {
      vi.useRealTimers();
      mock.restore();
    }
  });
});
