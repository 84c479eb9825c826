import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/platform/dynamo-client.js';
import { physicalTableName, TABLES } from '../../lambdas/platform/tables.js';
import {
  aggregateIncrements,
  DynamoAggregateStore,
  incrementUpdate,
} from '../../lambdas/usage/adapters/dynamo-aggregate-store.js';
import type { PreparedUsage } from '../../lambdas/usage/ports/usage-store.js';
import { createTablesAt } from '../support/dynamo.js';

/**
 * The move of a user's aggregates to a pseudonym (erasure) against DynamoDB Local: items with more
 * counters than one expression holds, writes racing the move, and a move repeated after it ended.
 */
const prefix = `mv${Date.now().toString(36)}`;
const table = physicalTableName(TABLES.tokenAnalytics, prefix);
let client: ReturnType<typeof createDocumentClient>;
let store: DynamoAggregateStore;
let seq = 0;
/** Cost of every event tracked, by tenant. */
const trackedCost = new Map<string, number>();

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  process.env.DYNAMODB_ENDPOINT = endpoint;
  await createTablesAt(endpoint, prefix);
  client = createDocumentClient();
  store = new DynamoAggregateStore(client, table);
});

/** Records one event of `userId` the way ingest does (its increments, without the record). */
async function track(tenant: string, userId: string, modelId: string, day: string, operation?: string) {
  seq += 1;
  trackedCost.set(tenant, (trackedCost.get(tenant) ?? 0) + 123_456_789 + seq);
  const event = {
    record: {
      requestId: `mv-${seq}`,
      userId,
      modelId,
      requestedModelId: modelId,
      timestamp: `${day}T12:00:00.000Z`,
      inputTokens: 1000 + seq,
      outputTokens: 100 + seq,
      cacheReadInputTokens: seq % 3,
      cacheWriteInputTokens: 0,
      costNano: 123_456_789 + seq,
      breakdown: { inputNano: 0, outputNano: 0, cacheReadNano: 0, cacheWriteNano: 0 },
      priceVersion: 'v',
      ...(operation ? { operation } : {}),
    },
    bodyHash: 'h',
    periods: [],
  } as unknown as PreparedUsage;
  for (const increment of aggregateIncrements(tenant, [event])) {
    await client.send(new UpdateCommand(incrementUpdate(table, increment)));
  }
}

async function partition(pk: string): Promise<Record<string, Record<string, unknown>>> {
  const res = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Object.fromEntries(
    (res.Items ?? []).map(({ pk: _pk, sk, ...rest }) => [String(sk), rest as Record<string, unknown>]),
  );
}

/** Sums of every counter over the given partitions, by sk and counter. */
async function sums(pks: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const pk of pks) {
    for (const [sk, item] of Object.entries(await partition(pk))) {
      for (const [name, value] of Object.entries(item)) {
        if (typeof value === 'number') out[`${sk} ${name}`] = (out[`${sk} ${name}`] ?? 0) + value;
      }
    }
  }
  return out;
}

async function moveAll(tenant: string, userId: string, pseudonym: string): Promise<number> {
  let moved = 0;
  for (
    let n = await store.moveUser(tenant, userId, pseudonym);
    n > 0;
    n = await store.moveUser(tenant, userId, pseudonym)
  )
    moved += n;
  return moved;
}

describe('moving a user’s aggregates to a pseudonym', () => {
  it('moves an item with more counters than one transaction takes, whole and once', async () => {
    // 40 models and 10 operations on one day: over 200 counters on the day item, moved in three chunks.
    for (let m = 0; m < 40; m++) await track('mv-a', 'wide', `model-${m}`, '2026-11-02', `op-${m % 10}`);
    const before = await partition('T#mv-a#U#wide');
    const counters = Object.keys(before['D#2026-11-02'] ?? {}).length;
    expect(counters).toBeGreaterThan(2 * 80);
    expect(await moveAll('mv-a', 'wide', '~p1')).toBe(Object.keys(before).length);
    expect(await partition('T#mv-a#U#wide')).toEqual({});
    // The counters move as they are; the day item's tenant-day index keys name the pseudonym.
    const { gsi1pk: _pk, gsi1sk: _sk, ...dayCounters } = before['D#2026-11-02'] ?? {};
    const expected = {
      ...before,
      'D#2026-11-02': {
        ...dayCounters,
        gsi1pk: expect.stringMatching(/^T#mv-a#DS#\d+$/),
        gsi1sk: '2026-11-02#~p1',
      },
    };
    expect(await partition('T#mv-a#U#~p1')).toEqual(expected);
    // A repeated move (a resumed job) finds nothing left and changes nothing.
    expect(await store.moveUser('mv-a', 'wide', '~p1')).toBe(0);
    expect(await partition('T#mv-a#U#~p1')).toEqual(expected);
  });

  it('keeps the sums exact when usage of the user is written while its aggregates move', async () => {
    for (let i = 0; i < 6; i++)
      await track('mv-b', 'busy', i % 2 ? 'm-1' : 'm-2', `2026-11-0${1 + (i % 3)}`, 'chat');
    const writes = Array.from({ length: 30 }, (_, i) =>
      track('mv-b', 'busy', i % 2 ? 'm-1' : 'm-3', `2026-11-0${1 + (i % 3)}`, i % 4 ? 'chat' : 'sum'),
    );
    const expected = async () => sums(['T#mv-b#U#busy', 'T#mv-b#U#~p2']);
    const [moved] = await Promise.all([moveAll('mv-b', 'busy', '~p2'), ...writes]);
    expect(moved).toBeGreaterThan(0);
    const all = await expected();
    // Every event is counted once, wherever it landed: 36 requests in all.
    const requests = Object.entries(all)
      .filter(([key]) => key.startsWith('P#monthly#UTC#2026-11 requests'))
      .reduce((sum, [, v]) => sum + v, 0);
    expect(requests).toBe(36);
    expect(all['P#monthly#UTC#2026-11 costNano']).toBe(trackedCost.get('mv-b'));
    // What landed after the move is moved by the next run, and the sums still hold.
    await moveAll('mv-b', 'busy', '~p2');
    expect(await partition('T#mv-b#U#busy')).toEqual({});
    expect(await sums(['T#mv-b#U#~p2'])).toEqual(all);
  });
});
