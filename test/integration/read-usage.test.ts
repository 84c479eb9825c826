import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const OPUS = 'anthropic.claude-3-opus-20240229-v1:0';
let runtime: LocalRuntime;
let api: string;

type Analytics = {
  totals: { requests: number; costUsd: number; inputTokens: number };
  daily: { date: string; requests: number; costUsd: number }[];
  byModel: { modelId: string; requests: number; costUsd: number }[];
  byOperation: { operation: string; requests: number }[];
  pattern: { type: string };
  benchmark: { tier: string; industry: string };
  cached: boolean;
};

function day(offset: number): string {
  return new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
  // alice: 14 days of steady usage, two models, two operations.
  const events = Array.from({ length: 28 }, (_, i) => ({
    requestId: `seed-${i}`,
    userId: 'alice',
    modelId: i % 2 === 0 ? HAIKU : OPUS,
    inputTokens: 3000,
    outputTokens: 1200,
    operation: i % 2 === 0 ? 'chat' : 'report',
    timestamp: `${day(Math.floor(i / 2) + 1)}T09:00:00Z`,
  }));
  for (let i = 0; i < events.length; i += 25) {
    const res = await call(api, 'POST', '/track-usage/batch', {
      key: TENANT_A.key,
      body: { events: events.slice(i, i + 25) },
    });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await runtime.close();
});

describe('GET /analytics/{userId}', () => {
  it('sums the range exactly from daily aggregates, zero-filled, by model and operation', async () => {
    const res = await call<Analytics>(api, 'GET', `/analytics/alice?from=${day(14)}&to=${day(0)}`, {
      key: TENANT_A.key,
    });
    expect(res.status).toBe(200);
    // Haiku: 3000*0.25 + 1200*1.25 per MTok = 0.00225; Opus: 3000*15 + 1200*75 = 0.135.
    expect(res.body.totals).toMatchObject({ requests: 28, inputTokens: 84_000, costUsd: 1.9215 }); // 14 x 0.00225 + 14 x 0.135, exact
    expect(res.body.daily).toHaveLength(15);
    expect(res.body.daily.at(-1)).toMatchObject({ date: day(0), requests: 0, costUsd: 0 });
    expect(res.body.byModel.map((m) => [m.modelId, m.requests])).toEqual([
      [OPUS, 14],
      [HAIKU, 14],
    ]);
    expect(res.body.byOperation.map((o) => o.operation).sort()).toEqual(['chat', 'report']);
    expect(res.body.pattern.type).not.toBe('insufficient_data');
    expect(res.body.benchmark.industry).toBe('hospitality');
  });

  it('serves a repeat from the cache and recomputes after new usage', async () => {
    const path = `/analytics/alice?from=${day(3)}&to=${day(0)}`;
    const first = await call<Analytics>(api, 'GET', path, { key: TENANT_A.key });
    const second = await call<Analytics>(api, 'GET', path, { key: TENANT_A.key });
    expect([first.body.cached, second.body.cached]).toEqual([false, true]);
    await call(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: {
        requestId: 'late-1',
        userId: 'alice',
        modelId: HAIKU,
        inputTokens: 10,
        outputTokens: 10,
        timestamp: `${day(2)}T10:00:00Z`,
      },
    });
    const third = await call<Analytics>(api, 'GET', path, { key: TENANT_A.key });
    expect(third.body.cached).toBe(false);
    expect(third.body.totals.requests).toBe(second.body.totals.requests + 1);
  });

  it('rejects a bad range and a bad user id with 400', async () => {
    expect((await call(api, 'GET', '/analytics/alice?from=2026-02-30', { key: TENANT_A.key })).status).toBe(
      400,
    );
    expect(
      (await call(api, 'GET', `/analytics/alice?from=${day(0)}&to=${day(5)}`, { key: TENANT_A.key })).status,
    ).toBe(400);
    expect((await call(api, 'GET', '/analytics/alice?bogus=1', { key: TENANT_A.key })).status).toBe(400);
    expect((await call(api, 'GET', '/analytics/a%23b', { key: TENANT_A.key })).status).toBe(400);
  });
});

describe('projections, recommendations and benchmarks', () => {
  it('projects the period end at least at the period-to-date spend', async () => {
    const res = await call<{ periodToDateUsd: number; projectedPeriodEndUsd: number; daily: unknown[] }>(
      api,
      'GET',
      '/projections/alice?horizonDays=7',
      { key: TENANT_A.key },
    );
    expect(res.status).toBe(200);
    expect(res.body.daily).toHaveLength(7);
    expect(res.body.projectedPeriodEndUsd).toBeGreaterThanOrEqual(res.body.periodToDateUsd);
  });

  it('recommends moving Opus traffic to a cheaper model, with savings', async () => {
    const res = await call<{
      items: { type: string; modelId?: string; estimatedMonthlySavingsUsd: number }[];
    }>(api, 'GET', '/recommendations/alice', { key: TENANT_A.key });
    const downgrade = res.body.items.find((i) => i.type === 'model_downgrade' && i.modelId === OPUS);
    expect(downgrade?.estimatedMonthlySavingsUsd).toBeGreaterThan(0);
  });

  it('serves the seeded benchmarks and filters them', async () => {
    const all = await call<{ items: { industry: string; tier: string }[] }>(api, 'GET', '/benchmarks', {
      key: TENANT_A.key,
    });
    expect(all.body.items.filter((b) => b.industry === 'hospitality').map((b) => b.tier)).toEqual([
      'starter',
      'professional',
      'enterprise',
    ]);
    const one = await call<{ items: unknown[] }>(
      api,
      'GET',
      '/benchmarks?industry=hospitality&tier=enterprise',
      {
        key: TENANT_A.key,
      },
    );
    expect(one.body.items).toHaveLength(1);
    expect((await call(api, 'GET', '/benchmarks?tier=galactic', { key: TENANT_A.key })).status).toBe(400);
  });
});

describe('GET /export/{userId}', () => {
  it('pages through every record in the range as JSON', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/export/alice?from=${day(14)}&to=${day(0)}&limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const res: { body: { items: { requestId: string }[]; nextCursor: string | null } } = await call(
        api,
        'GET',
        q,
        {
          key: TENANT_A.key,
        },
      );
      seen.push(...res.body.items.map((i) => i.requestId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(29);
  });

  it('writes CSV with the contract header and a cursor header for the next page', async () => {
    const res = await call(api, 'GET', `/export/alice?from=${day(14)}&to=${day(0)}&format=csv&limit=5`, {
      key: TENANT_A.key,
    });
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'timestamp,requestId,userId,modelId,operation,inputTokens,outputTokens,cacheReadInputTokens,cacheWriteInputTokens,costUsd',
    );
    expect(lines).toHaveLength(6);
    expect(res.headers.get('x-next-cursor')).toBeTruthy();
  });

  it('refuses a cursor forged for another range', async () => {
    const forged = Buffer.from(JSON.stringify({ sk: 'R#1999-01-01T00:00:00.000Z#x' })).toString('base64url');
    expect((await call(api, 'GET', `/export/alice?cursor=${forged}`, { key: TENANT_A.key })).status).toBe(
      400,
    );
  });
});

describe('tenant isolation on the read endpoints', () => {
  it('shows tenant B nothing of tenant A’s alice', async () => {
    const analytics = await call<Analytics>(api, 'GET', `/analytics/alice?from=${day(14)}&to=${day(0)}`, {
      key: TENANT_B.key,
    });
    expect(analytics.body.totals.requests).toBe(0);
    const exported = await call<{ items: unknown[] }>(api, 'GET', `/export/alice?from=${day(14)}`, {
      key: TENANT_B.key,
    });
    expect(exported.body.items).toEqual([]);
    const projections = await call<{ periodToDateUsd: number }>(api, 'GET', '/projections/alice', {
      key: TENANT_B.key,
    });
    expect(projections.body.periodToDateUsd).toBe(0);
    const recs = await call<{ items: unknown[] }>(api, 'GET', '/recommendations/alice', {
      key: TENANT_B.key,
    });
    expect(recs.body.items).toEqual([]);
  });
});
