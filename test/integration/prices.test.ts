import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const NEW_MODEL = 'acme.negotiated-1-v1:0';
let runtime: LocalRuntime;
let api: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
});
afterAll(async () => {
  await runtime.close();
});

const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 3600_000).toISOString().slice(0, 10);
const put = (key: string, modelId: string, body: Record<string, unknown>) =>
  call<Record<string, unknown>>(api, 'PUT', `/prices/${encodeURIComponent(modelId)}`, { key, body });
const track = (key: string, requestId: string, modelId: string, day: string) =>
  call<{ priced: boolean; costUsd: number | null; priceVersion: string | null }>(
    api,
    'POST',
    '/track-usage',
    {
      key,
      body: {
        requestId,
        userId: 'pia',
        modelId,
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
        timestamp: `${day}T08:00:00Z`,
      },
    },
  );

describe('tenant prices', () => {
  it('validates, stores a version once, lists it, and never rewrites it', async () => {
    const bad = await put(TENANT_A.key, 'gpt-9', {
      effectiveFrom: daysAgo(1),
      inputPerMTokUsd: 1,
      outputPerMTokUsd: 2,
    });
    expect(bad.status).toBe(400);
    const precise = await put(TENANT_A.key, NEW_MODEL, {
      effectiveFrom: daysAgo(1),
      inputPerMTokUsd: 0.0000000001,
      outputPerMTokUsd: -1,
    });
    expect(precise.status).toBe(400);
    const body = {
      effectiveFrom: `${daysAgo(10)}T00:00:00Z`,
      inputPerMTokUsd: 2.5,
      outputPerMTokUsd: 12.5,
      cacheReadPerMTokUsd: 0.25,
    };
    const created = await put(TENANT_A.key, `us.${NEW_MODEL}`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      modelId: NEW_MODEL,
      source: 'tenant',
      inputPerMTokUsd: 2.5,
      outputPerMTokUsd: 12.5,
      cacheReadPerMTokUsd: 0.25,
      cacheWritePerMTokUsd: null,
    });
    const again = await put(TENANT_A.key, NEW_MODEL, body);
    expect(again.status).toBe(409);
    const listA = await call<{ items: { modelId: string }[] }>(api, 'GET', '/prices', { key: TENANT_A.key });
    expect(listA.body.items.map((p) => p.modelId)).toEqual([NEW_MODEL]);
    const listB = await call<{ items: unknown[] }>(api, 'GET', '/prices', { key: TENANT_B.key });
    expect(listB.body.items).toEqual([]);
  });

  it('prices a tenant’s usage with its own price from effectiveFrom, other tenants keep the catalog', async () => {
    const from = daysAgo(5);
    const before = await track(TENANT_A.key, 'h-before', HAIKU, daysAgo(6));
    expect(before.body).toMatchObject({ priced: true, costUsd: 1.5 });
    const created = await put(TENANT_A.key, HAIKU, {
      effectiveFrom: from,
      inputPerMTokUsd: 0.1,
      outputPerMTokUsd: 0.2,
    });
    expect(created.status).toBe(201);
    const after = await track(TENANT_A.key, 'h-after', HAIKU, daysAgo(4));
    expect(after.body).toMatchObject({ priced: true, costUsd: 0.3 });
    expect(after.body.priceVersion).toContain('#tenant');
    const otherTenant = await track(TENANT_B.key, 'h-after', HAIKU, daysAgo(4));
    expect(otherTenant.body).toMatchObject({ priced: true, costUsd: 1.5 });

    const models = await call<{ items: { modelId: string; prices: { source: string }[] }[] }>(
      api,
      'GET',
      '/models',
      {
        key: TENANT_A.key,
      },
    );
    const haiku = models.body.items.find((m) => m.modelId === HAIKU);
    expect(haiku?.prices.map((p) => p.source)).toContain('tenant');
    const modelsB = await call<{ items: { modelId: string; prices: { source: string }[] }[] }>(
      api,
      'GET',
      '/models',
      {
        key: TENANT_B.key,
      },
    );
    expect(modelsB.body.items.find((m) => m.modelId === HAIKU)?.prices.map((p) => p.source)).not.toContain(
      'tenant',
    );

    // The version has priced usage: it stays.
    const del = await call(api, 'DELETE', `/prices/${encodeURIComponent(HAIKU)}?effectiveFrom=${from}`, {
      key: TENANT_A.key,
    });
    expect(del.status).toBe(409);
  });

  it('deletes a version that priced nothing, and estimates with the effective catalog', async () => {
    const model = 'acme.estimate-only-v1:0';
    const estimateBody = {
      modelId: model,
      operations: [{ name: 'x', inputTokens: 1000, outputTokens: 1000, perDay: 1 }],
    };
    const unknown = await call<{ error: { code: string; message: string } }>(api, 'POST', '/estimate', {
      key: TENANT_A.key,
      body: estimateBody,
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('UNKNOWN_MODEL');
    expect(unknown.body.error.message).toContain(model);
    const from = daysAgo(2);
    expect(
      (await put(TENANT_A.key, model, { effectiveFrom: from, inputPerMTokUsd: 1, outputPerMTokUsd: 1 }))
        .status,
    ).toBe(201);
    const estimate = await call<{ totals: { llmCostUsd: number } }>(api, 'POST', '/estimate', {
      key: TENANT_A.key,
      body: estimateBody,
    });
    expect(estimate.status).toBe(200);
    expect(estimate.body.totals.llmCostUsd).toBe(0.06);
    const other = await call(api, 'POST', '/estimate', { key: TENANT_B.key, body: estimateBody });
    expect(other.status).toBe(422);
    const del = await call(api, 'DELETE', `/prices/${encodeURIComponent(model)}?effectiveFrom=${from}`, {
      key: TENANT_A.key,
    });
    expect(del.status).toBe(204);
    const gone = await call(api, 'DELETE', `/prices/${encodeURIComponent(model)}?effectiveFrom=${from}`, {
      key: TENANT_A.key,
    });
    expect(gone.status).toBe(404);
  });
});
