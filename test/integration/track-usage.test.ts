import { periodOf, priceUsage, type UsageCounters } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../lambdas/usage/adapters/dynamo-aggregate-store.js';
import { DynamoUsageRecords } from '../../lambdas/usage/adapters/dynamo-usage-records.js';
import type { UsageRecord } from '../../lambdas/usage/ports/usage-store.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
/** Last calendar month (UTC): always in the past and well inside the accepted 400 days. */
const MONTH = (() => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
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

const aggregates = () => new DynamoAggregateStore(db.client, db.name('tokenAnalytics'));

/** A user's totals over every day recorded. */
async function allTotals(tenantId: string, userId: string) {
  const input = await aggregates().readDays(tenantId, userId, '2000-01-01', '2100-12-31');
  return input.days.reduce(
    (sum, d) => ({ requests: sum.requests + d.totals.requests, costNano: sum.costNano + d.totals.costNano }),
    { requests: 0, costNano: 0 },
  );
}

async function monthTotals(tenantId: string, userId: string): Promise<UsageCounters | undefined> {
  const [totals] = await aggregates().readPeriods(tenantId, userId, [
    periodOf('monthly', `${MONTH}-01T00:00:00Z`, 'UTC'),
  ]);
  return totals;
}

/** Every record of a user, in time order. */
async function userRecords(tenantId: string, userId: string): Promise<UsageRecord[]> {
  const reader = new DynamoUsageRecords(db.client, db.name('tokenUsage'));
  const out: UsageRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.listRecords(
      tenantId,
      userId,
      { from: '2000-01-01', to: '2100-12-31' },
      { limit: 1000, ...(cursor ? { cursor } : {}) },
    );
    out.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const event = (requestId: string, extra: Record<string, unknown> = {}) => ({
  requestId,
  userId: 'alice',
  modelId: SONNET,
  inputTokens: 1000,
  outputTokens: 500,
  timestamp: `${MONTH}-02T10:00:00Z`,
  ...extra,
});

type Result = { costUsd: number; duplicate: boolean; breakdown: Record<string, number>; modelId: string };

describe('POST /track-usage', () => {
  it('prices and records a call, and answers a replay without counting it again', async () => {
    const first = await call<Result>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('once-1'),
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      costUsd: 0.0105,
      duplicate: false,
      breakdown: { inputUsd: 0.003, outputUsd: 0.0075, cacheReadUsd: 0, cacheWriteUsd: 0 },
    });
    const replay = await call<Result>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('once-1'),
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ ...first.body, duplicate: true });
    const conflict = await call<{ error: { code: string } }>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('once-1', { outputTokens: 501 }),
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    const records = (await userRecords(TENANT_A.tenant, 'alice')).filter((i) => i.requestId === 'once-1');
    expect(records).toHaveLength(1);
  });

  it('answers a replay without timestamp with the first answer, whose timestamp defaulted to then', async () => {
    const { timestamp: _omitted, ...body } = event('default-ts-1', { userId: 'erin' });
    const first = await call<Result & { timestamp: string }>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body,
    });
    expect(first.status).toBe(201);
    await new Promise((r) => setTimeout(r, 20));
    const replay = await call<Result & { timestamp: string }>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body,
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ ...first.body, duplicate: true });
    expect(await allTotals(TENANT_A.tenant, 'erin')).toMatchObject({ requests: 1 });
  });

  it('treats the same instant written another way as the same body', async () => {
    const first = await call<Result>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('instant-1', { timestamp: `${MONTH}-02T10:00:00Z` }),
    });
    expect(first.status).toBe(201);
    for (const timestamp of [`${MONTH}-02T10:00:00.000Z`, `${MONTH}-02T12:00:00+02:00`]) {
      const replay = await call<Result>(api, 'POST', '/track-usage', {
        key: TENANT_A.key,
        body: event('instant-1', { timestamp }),
      });
      expect(replay.status).toBe(200);
      expect(replay.body.duplicate).toBe(true);
    }
    const other = await call(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('instant-1', { timestamp: `${MONTH}-02T10:00:01Z` }),
    });
    expect(other.status).toBe(409);
  });

  it('normalises inference-profile ids and ARNs to the catalog entry', async () => {
    const res = await call<Result>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('profile-1', {
        userId: 'profiles',
        modelId: `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.${SONNET}`,
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body.modelId).toBe(SONNET);
  });

  it('rejects bad events with 400 naming each field and stores nothing', async () => {
    const before = await db.count('tokenUsage');
    const res = await call<{ error: { code: string; details: { path: string }[] } }>(
      api,
      'POST',
      '/track-usage',
      {
        key: TENANT_A.key,
        body: {
          requestId: '',
          userId: 'a#b',
          modelId: SONNET,
          inputTokens: 1.5,
          outputTokens: 1e12,
          tags: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'])),
        },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path).sort()).toEqual(
      ['inputTokens', 'outputTokens', 'requestId', 'tags', 'userId'].sort(),
    );
    const future = await call(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('future-1', { timestamp: new Date(Date.now() + 3600_000).toISOString() }),
    });
    expect(future.status).toBe(400);
    const malformed = await call<{ error: { code: string; details: { path: string }[] } }>(
      api,
      'POST',
      '/track-usage',
      { key: TENANT_A.key, body: event('malformed-1', { modelId: 'gpt-9' }) },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.map((d) => d.path)).toEqual(['modelId']);
    expect(await db.count('tokenUsage')).toBe(before);
  });

  it('keeps tenants apart: the same requestId and userId in two tenants are two records', async () => {
    const a = await call<Result>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: event('shared-1', { userId: 'bob' }),
    });
    const b = await call<Result>(api, 'POST', '/track-usage', {
      key: TENANT_B.key,
      body: event('shared-1', { userId: 'bob' }),
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await allTotals(TENANT_B.tenant, 'bob')).toEqual({ requests: 1, costNano: 10_500_000 });
  });
});

describe('exactness under concurrency and retries', () => {
  it('counts hundreds of concurrent events with duplicates exactly once each, to the nano-dollar', async () => {
    const unique = Array.from({ length: 300 }, (_, i) =>
      event(`conc-${i}`, {
        userId: 'carol',
        modelId: i % 3 === 0 ? 'anthropic.claude-3-haiku-20240307-v1:0' : `us.${SONNET}`,
        inputTokens: 1 + ((i * 7919) % 5000),
        outputTokens: (i * 104729) % 3000,
        timestamp: `${MONTH}-${String(1 + (i % 20)).padStart(2, '0')}T12:00:00Z`,
      }),
    );
    // About 20 % of the events are sent two or three times, concurrently with their first send.
    const sends = unique.flatMap((e, i) => (i % 5 === 0 ? [e, e, ...(i % 10 === 0 ? [e] : [])] : [e]));
    const responses = await Promise.all(
      sends.map((body) => call<Result>(api, 'POST', '/track-usage', { key: TENANT_A.key, body })),
    );
    expect(responses.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(unique.length);
    expect(responses.filter((r) => r.status === 200 && r.body.duplicate)).toHaveLength(
      sends.length - unique.length,
    );

    const expectedNano = unique.reduce(
      (sum, e) =>
        sum +
        priceUsage({
          modelId: e.modelId as string,
          at: e.timestamp as string,
          usage: { inputTokens: e.inputTokens as number, outputTokens: e.outputTokens as number },
        }).costNano,
      0,
    );
    expect(await allTotals(TENANT_A.tenant, 'carol')).toEqual({ requests: 300, costNano: expectedNano });
    expect(await monthTotals(TENANT_A.tenant, 'carol')).toMatchObject({
      requests: 300,
      costNano: expectedNano,
    });
    const records = await userRecords(TENANT_A.tenant, 'carol');
    expect(records).toHaveLength(300);
    expect(records.reduce((s, r) => s + (r.costNano as number), 0)).toBe(expectedNano);
  });
});

describe('POST /track-usage/batch', () => {
  it('answers each event in order; a bad one does not reject the others', async () => {
    const events = [
      event('batch-1', { userId: 'dave' }),
      { ...event('batch-2', { userId: 'dave' }), inputTokens: -5 },
      event('batch-3', { userId: 'dave', operation: 'summarise' }),
      event('batch-1', { userId: 'dave' }),
      event('batch-3', { userId: 'dave', outputTokens: 1 }),
    ];
    const res = await call<{ results: { status: number; requestId: string; duplicate?: boolean }[] }>(
      api,
      'POST',
      '/track-usage/batch',
      { key: TENANT_A.key, body: { events } },
    );
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => [r.requestId, r.status])).toEqual([
      ['batch-1', 201],
      ['batch-2', 400],
      ['batch-3', 201],
      ['batch-1', 200],
      ['batch-3', 409],
    ]);
    const again = await call<{ results: { status: number; duplicate?: boolean }[] }>(
      api,
      'POST',
      '/track-usage/batch',
      {
        key: TENANT_A.key,
        body: { events: [events[0], events[2]] },
      },
    );
    expect(again.body.results.map((r) => [r.status, r.duplicate])).toEqual([
      [200, true],
      [200, true],
    ]);
    expect(await allTotals(TENANT_A.tenant, 'dave')).toMatchObject({
      requests: 2,
      costNano: 21_000_000,
    });
  });

  it('rejects more than 25 events and a non-array', async () => {
    const many = Array.from({ length: 26 }, (_, i) => event(`many-${i}`));
    expect(
      (await call(api, 'POST', '/track-usage/batch', { key: TENANT_A.key, body: { events: many } })).status,
    ).toBe(400);
    expect(
      (await call(api, 'POST', '/track-usage/batch', { key: TENANT_A.key, body: { events: 'x' } })).status,
    ).toBe(400);
  });
});
