import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../lambdas/usage/adapters/dynamo-aggregate-store.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

/** A well-formed Bedrock id that no catalog prices. */
const UNKNOWN = 'acme.frontier-9-v1:0';
const DAY = (() => {
  const d = new Date(Date.now() - 3 * 24 * 3600_000);
  return d.toISOString().slice(0, 10);
})();

let runtime: LocalRuntime;
let api: string;
let db: ReturnType<typeof tables>;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
  db = tables();
});
afterAll(async () => {
  await runtime.close();
});

const event = (requestId: string, extra: Record<string, unknown> = {}) => ({
  requestId,
  userId: 'uma',
  modelId: `us.${UNKNOWN}`,
  inputTokens: 1000,
  outputTokens: 200,
  cacheReadInputTokens: 30,
  timestamp: `${DAY}T10:00:00Z`,
  ...extra,
});

type Tracked = { priced: boolean; costUsd: number | null; priceVersion: string | null; duplicate: boolean };

describe('usage of a model without a price', () => {
  it('is recorded unpriced, counted in the token aggregates, and listed under /unpriced', async () => {
    const first = await call<Tracked>(api, 'POST', '/track-usage', { key: TENANT_A.key, body: event('u-1') });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      modelId: UNKNOWN,
      priced: false,
      costUsd: null,
      breakdown: null,
      priceVersion: null,
      duplicate: false,
    });
    const replay = await call<Tracked>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('u-1'),
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ ...first.body, duplicate: true });
    const second = await call<Tracked>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('u-2', { timestamp: `${DAY}T12:00:00Z`, inputTokens: 10 }),
    });
    expect(second.status).toBe(201);

    const priced = await call<Tracked>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('p-1', { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', cacheReadInputTokens: 0 }),
    });
    expect(priced.body).toMatchObject({ priced: true });

    const aggregates = new DynamoAggregateStore(db.client, db.name('tokenAnalytics'));
    const days = await aggregates.readDays(TENANT_A.tenant, 'uma', DAY, DAY);
    expect(days.days[0]?.totals).toMatchObject({ requests: 3, inputTokens: 2010, outputTokens: 600 });
    const unknownLine = days.byModel.find((m) => m.modelId === UNKNOWN);
    expect(unknownLine?.counters).toMatchObject({ requests: 2, inputTokens: 1010, costNano: 0 });

    const list = await call<{ items: unknown[] }>(api, 'GET', '/unpriced', { key: TENANT_A.key });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      {
        modelId: UNKNOWN,
        events: 2,
        inputTokens: 1010,
        outputTokens: 400,
        cacheReadInputTokens: 60,
        cacheWriteInputTokens: 0,
        firstSeen: `${DAY}T10:00:00.000Z`,
        lastSeen: `${DAY}T12:00:00.000Z`,
      },
    ]);
    const other = await call<{ items: unknown[] }>(api, 'GET', '/unpriced', { key: TENANT_B.key });
    expect(other.body.items).toEqual([]);

    const recs = await call<{ items: unknown[] }>(api, 'GET', '/recommendations/uma', { key: TENANT_A.key });
    expect(recs.status).toBe(200);
  });
});
