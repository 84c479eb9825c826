import { randomBytes } from 'node:crypto';
import { convertGenaiPrices, type GenaiProvider } from '@cost-management/core';
import { findProvider } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPriceSyncRuns } from '../../lambdas/pricing/adapters/dynamo-price-sync-runs.js';
import { StaticPriceSource } from '../../lambdas/pricing/adapters/price-sources.js';
import { DynamoAggregateStore } from '../../lambdas/usage/adapters/dynamo-aggregate-store.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { buildCatalogData } from '../../scripts/prices-build.js';
import { installedPackageSource, runPriceSync } from '../../scripts/prices-sync.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

/*
 * The price sync against DynamoDB Local, through the same composition as `npm run prices:sync`:
 * the installed genai-prices data adds nothing; a newer data set (a new model, a new dated
 * version of a known model, a changed past price) adds the new model and version to the service
 * scope as `sync`, keeps the past price as it was, and reprices every tenant's usage that waited
 * for the new model, exactly once; a second run adds nothing.
 */

let runtime: LocalRuntime;
let api: string;
let db: ReturnType<typeof tables>;
const tablePrefix = `ps${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  runtime = await startTestRuntime({ tablePrefix });
  api = runtime.apiBase;
  db = tables();
});
afterAll(async () => {
  await runtime.close();
});

const NEW_MODEL = 'anthropic.claude-sonnet-9-v1:0';
const NOVA_MICRO = 'amazon.nova-micro-v1:0';
const NOVA_LITE = 'amazon.nova-lite-v1:0';

/** The installed aws provider with a new model, a new dated Nova Micro price and a changed Nova Lite price. */
function newerProvider(newModel = NEW_MODEL, name = 'Claude Sonnet 9'): GenaiProvider {
  const provider = structuredClone(findProvider({ providerId: 'aws' })) as unknown as {
    id: string;
    models: Record<string, unknown>[];
  };
  const stem = newModel.replace(/-v\d+:\d+$/, '');
  provider.models.push(
    {
      id: `regional.${newModel}`,
      name,
      match: { or: [{ starts_with: stem }, { contains: `us.${stem}` }, { contains: `eu.${stem}` }] },
      prices: { input_mtok: 4.4, output_mtok: 22, cache_read_mtok: 0.44, cache_write_mtok: 5.5 },
    },
    {
      id: `global.${newModel}`,
      name,
      match: { contains: `global.${stem}` },
      prices: { input_mtok: 4, output_mtok: 20, cache_read_mtok: 0.4, cache_write_mtok: 5 },
    },
  );
  const micro = provider.models.find((m) => m.id === NOVA_MICRO) as { prices: unknown };
  micro.prices = [
    { prices: micro.prices },
    {
      constraint: { start_date: '2026-12-01', type: 'start_date' },
      prices: { input_mtok: 0.03, output_mtok: 0.12, cache_read_mtok: 0.0075 },
    },
  ];
  const lite = provider.models.find((m) => m.id === NOVA_LITE) as { prices: { input_mtok: number } };
  lite.prices = { ...lite.prices, input_mtok: Number((lite.prices.input_mtok + 0.01).toFixed(6)) };
  return provider as unknown as GenaiProvider;
}

const newerSource = (provider = newerProvider()) =>
  new StaticPriceSource({
    data: convertGenaiPrices(provider),
    origin: 'package',
    location: 'test data set',
  });

async function serviceScope() {
  return db.query('modelPrices', 'T#_service');
}

/** Within the current UTC day (the test never runs in the first minutes of a day). */
const WHEN = new Date(Date.now() - 60_000).toISOString();

async function track(key: string, requestId: string, modelId: string, userId = 'uma') {
  const res = await call<{ priced: boolean }>(api, 'POST', '/track-usage', {
    key,
    body: { requestId, userId, modelId, inputTokens: 1_000_000, outputTokens: 100_000, timestamp: WHEN },
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function dayCost(tenantId: string, userId: string): Promise<number> {
  const aggregates = new DynamoAggregateStore(db.client, db.name('tokenAnalytics'));
  const day = WHEN.slice(0, 10);
  return (await aggregates.readDays(tenantId, userId, day, day)).days[0]?.totals.costNano ?? 0;
}

type Models = {
  items: { modelId: string; name: string; prices: { effectiveFrom: string; source: string }[] }[];
};

describe('price sync', () => {
  it('adds nothing from the installed genai-prices data, and records the run', async () => {
    const run = await runPriceSync({ tablePrefix, source: installedPackageSource() });
    expect(run.origin).toBe('package');
    expect(run.location).toMatch(/^@pydantic\/genai-prices \d+\.\d+\.\d+ \(installed\)$/);
    expect(run.models).toBe(buildCatalogData().models.length);
    expect(run.added).toEqual([]);
    expect(run.differing).toEqual([]);
    expect(run.repricing).toEqual({ tenants: 0, repriced: 0, handedOff: 0 });
    expect(await serviceScope()).toEqual([]);
    const recorded = await new DynamoPriceSyncRuns(db.client, db.name('costMonitoring')).recent(5);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ startedAt: run.startedAt, origin: 'package', addedCount: 0 });
  });

  it('adds a new model and a new dated version as sync, keeps a changed past price, and reprices waiting usage once', async () => {
    // Usage of the model before any price: two tenants, geo and global profiles; one model stays unknown.
    expect((await track(TENANT_A.key, 'a-geo', `us.${NEW_MODEL}`)).priced).toBe(false);
    expect((await track(TENANT_A.key, 'a-global', `global.${NEW_MODEL}`)).priced).toBe(false);
    expect((await track(TENANT_B.key, 'b-geo', `eu.${NEW_MODEL}`, 'vic')).priced).toBe(false);
    expect((await track(TENANT_B.key, 'b-other', 'acme.never-priced-v1:0', 'vic')).priced).toBe(false);
    expect(await dayCost(TENANT_A.tenant, 'uma')).toBe(0);
    const liteBefore = (await call<Models>(api, 'GET', '/models', { key: TENANT_A.key })).body.items.find(
      (m) => m.modelId === NOVA_LITE,
    );

    const run = await runPriceSync({ tablePrefix, source: newerSource() });
    expect(run.newModels).toEqual([NEW_MODEL]);
    expect(run.added).toEqual([
      { modelId: NOVA_MICRO, effectiveFrom: '2026-12-01' },
      { modelId: NEW_MODEL, effectiveFrom: '2023-09-28' },
    ]);
    expect(run.differing).toEqual([
      { modelId: NOVA_LITE, effectiveFrom: '2024-12-03', version: `${NOVA_LITE}@2024-12-03` },
    ]);
    expect(run.repricing).toEqual({ tenants: 2, repriced: 3, handedOff: 0 });

    const stored = await serviceScope();
    expect(stored.map((i) => [i.modelId, i.effectiveFrom, i.source])).toEqual([
      [NOVA_MICRO, '2026-12-01', 'sync'],
      [NEW_MODEL, '2023-09-28', 'sync'],
    ]);
    // GET /models: the new model (named) and the new version marked `sync`; the past Nova Lite price as it was.
    const models = (await call<Models>(api, 'GET', '/models', { key: TENANT_B.key })).body.items;
    const added = models.find((m) => m.modelId === NEW_MODEL);
    expect(added?.name).toBe('Claude Sonnet 9');
    expect(added?.prices.map((p) => p.source)).toEqual(['sync']);
    const micro = models.find((m) => m.modelId === NOVA_MICRO);
    expect(micro?.prices.map((p) => [p.effectiveFrom, p.source])).toEqual([
      ['2024-12-03', 'catalog'],
      ['2026-12-01', 'sync'],
    ]);
    expect(models.find((m) => m.modelId === NOVA_LITE)).toEqual(liteBefore);

    // Repriced exactly once at the regional (geo) and global prices: 1M input + 100k output.
    const geo = 4_400_000_000 + 2_200_000_000;
    const global = 4_000_000_000 + 2_000_000_000;
    expect(await dayCost(TENANT_A.tenant, 'uma')).toBe(geo + global);
    expect(await dayCost(TENANT_B.tenant, 'vic')).toBe(geo);
    const waitingA = await call<{ items: unknown[] }>(api, 'GET', '/unpriced', { key: TENANT_A.key });
    expect(waitingA.body.items).toEqual([]);
    const waitingB = await call<{ items: { modelId: string; events: number }[] }>(api, 'GET', '/unpriced', {
      key: TENANT_B.key,
    });
    expect(waitingB.body.items).toMatchObject([{ modelId: 'acme.never-priced-v1:0', events: 1 }]);
    // A replay of a repriced event stays a duplicate.
    const replay = await call<{ duplicate: boolean }>(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: {
        requestId: 'a-geo',
        userId: 'uma',
        modelId: `us.${NEW_MODEL}`,
        inputTokens: 1_000_000,
        outputTokens: 100_000,
        timestamp: WHEN,
      },
    });
    expect(replay.body.duplicate).toBe(true);

    // A second run adds nothing, reprices nothing, and still reports the kept difference.
    const again = await runPriceSync({ tablePrefix, source: newerSource() });
    expect(again.added).toEqual([]);
    expect(again.newModels).toEqual([]);
    expect(again.differing).toHaveLength(1);
    expect(again.repricing).toEqual({ tenants: 1, repriced: 0, handedOff: 0 });
    expect(await serviceScope()).toHaveLength(2);
    expect(await dayCost(TENANT_A.tenant, 'uma')).toBe(geo + global);

    const recorded = await new DynamoPriceSyncRuns(db.client, db.name('costMonitoring')).recent(2);
    expect(recorded.map((r) => r.startedAt)).toEqual([again.startedAt, run.startedAt]);
    expect(recorded[1]).toMatchObject({
      addedCount: 2,
      newModels: [NEW_MODEL],
      differingCount: 1,
      repricing: { tenants: 2, repriced: 3, handedOff: 0 },
    });
  });

  it('lists the tenants with waiting usage a page at a time, each once', async () => {
    await track(TENANT_A.key, 'page-a', 'acme.paging-v1:0');
    await track(TENANT_B.key, 'page-b', 'acme.paging-v1:0', 'vic');
    const waiting = new DynamoAggregateStore(db.client, db.name('tokenAnalytics'));
    const first = await waiting.waitingTenants({ limit: 1 });
    expect(first).toEqual({ tenants: [TENANT_A.tenant], after: TENANT_A.tenant });
    // Tenant B waits for two models: one entry.
    const second = await waiting.waitingTenants({ limit: 1, after: TENANT_A.tenant });
    expect(second).toEqual({ tenants: [TENANT_B.tenant] });
    expect(await waiting.waitingTenants({ limit: 10 })).toEqual({
      tenants: [TENANT_A.tenant, TENANT_B.tenant],
    });
  });

  it('adds each version once and reprices each record once when two runs race', async () => {
    const model = 'anthropic.claude-haiku-9-v1:0';
    for (let i = 0; i < 8; i++) await track(TENANT_A.key, `race-${i}`, `us.${model}`, 'wes');
    const source = newerSource(newerProvider(model, 'Claude Haiku 9'));
    const [a, b] = await Promise.all([
      runPriceSync({ tablePrefix, source }),
      runPriceSync({ tablePrefix, source }),
    ]);
    // The new model's version, and (from the data set above) nothing else new.
    expect([...a.added, ...b.added]).toEqual([{ modelId: model, effectiveFrom: '2023-09-28' }]);
    const repriced = (r: typeof a.repricing) => ('repriced' in r ? r.repriced : Number.NaN);
    expect(repriced(a.repricing) + repriced(b.repricing)).toBe(8);
    expect(await dayCost(TENANT_A.tenant, 'wes')).toBe(8 * (4_400_000_000 + 2_200_000_000));
    expect((await serviceScope()).filter((i) => i.modelId === model)).toHaveLength(1);
  });
});
