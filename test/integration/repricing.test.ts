import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPriceStore } from '../../lambdas/pricing/adapters/dynamo-price-store.js';
import { cachedEffectiveCatalog } from '../../lambdas/pricing/use-cases/effective-catalog.js';
import { DynamoAggregateStore } from '../../lambdas/usage/adapters/dynamo-aggregate-store.js';
import { DynamoUsageRecords } from '../../lambdas/usage/adapters/dynamo-usage-records.js';
import { DynamoUsageStore } from '../../lambdas/usage/adapters/dynamo-usage-store.js';
import type { RepricingStore } from '../../lambdas/usage/ports/usage-store.js';
import { type RepriceDeps, repriceUnpriced } from '../../lambdas/usage/use-cases/reprice-unpriced.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

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

/** Within the current UTC month and day (the test never runs in the first minutes of a month). */
const at = (i: number) => new Date(Date.now() - 60_000 - i * 1000).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

async function trackUnpriced(key: string, userId: string, modelId: string, n: number, prefix: string) {
  for (let i = 0; i < n; i++) {
    const res = await call<{ priced: boolean }>(api, 'POST', '/track-usage', {
      key,
      body: {
        requestId: `${prefix}-${i}`,
        userId,
        modelId,
        inputTokens: 1_000_000 + i,
        outputTokens: 333_333,
        timestamp: at(i),
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.priced).toBe(false);
  }
}

/** Cost of one event i at USD 1.1 / 2.3 per MTok, in nano-USD (exact: integer arithmetic). */
const costNano = (i: number) => (1_000_000 + i) * 1100 + 333_333 * 2300;

async function dayTotals(tenantId: string, userId: string) {
  const aggregates = new DynamoAggregateStore(db.client, db.name('tokenAnalytics'));
  const input = await aggregates.readDays(tenantId, userId, today(), today());
  return input.days[0]?.totals;
}

function directDeps(store?: RepricingStore): RepriceDeps {
  const usage = new DynamoUsageStore(db.client, {
    usageTable: db.name('tokenUsage'),
    analyticsTable: db.name('tokenAnalytics'),
  });
  const aggregates = new DynamoAggregateStore(db.client, db.name('tokenAnalytics'));
  const records = new DynamoUsageRecords(db.client, db.name('tokenUsage'));
  return {
    unpriced: {
      models: async (t) => (await aggregates.unpriced(t)).map((s) => s.modelId),
      page: (t, m, p) => records.unpricedRecords(t, m, p),
    },
    store: store ?? usage,
    catalogOf: cachedEffectiveCatalog(new DynamoPriceStore(db.client, db.name('modelPrices'))),
  };
}

const rates = {
  inputNanoPerMTok: 1_100_000_000,
  outputNanoPerMTok: 2_300_000_000,
  cacheReadNanoPerMTok: null,
  cacheWriteNanoPerMTok: null,
};

describe('repricing usage recorded without a price', () => {
  it('prices it exactly once after PUT /prices, into the aggregates, and a threshold crossing alerts', async () => {
    const model = 'acme.reprice-1-v1:0';
    const created = await call(api, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: { userId: 'rita', limitUsd: 3 },
    });
    expect(created.status).toBe(201);
    await trackUnpriced(TENANT_A.key, 'rita', `global.${model}`, 3, 'r');
    expect((await dayTotals(TENANT_A.tenant, 'rita'))?.costNano).toBe(0);
    const listed = await call<{ items: { modelId: string; events: number }[] }>(api, 'GET', '/unpriced', {
      key: TENANT_A.key,
    });
    expect(listed.body.items).toMatchObject([{ modelId: model, events: 3 }]);

    const put = await call<{ repricedEvents: number }>(api, 'PUT', `/prices/${encodeURIComponent(model)}`, {
      key: TENANT_A.key,
      body: { effectiveFrom: '2020-01-01', inputPerMTokUsd: 1.1, outputPerMTokUsd: 2.3 },
    });
    expect(put.status).toBe(201);
    expect(put.body.repricedEvents).toBe(3);
    const expected = costNano(0) + costNano(1) + costNano(2);
    expect((await dayTotals(TENANT_A.tenant, 'rita'))?.costNano).toBe(expected);
    const after = await call<{ items: unknown[] }>(api, 'GET', '/unpriced', { key: TENANT_A.key });
    expect(after.body.items).toEqual([]);
    // A second run finds nothing; the version has priced usage and stays.
    expect((await repriceUnpriced(directDeps(), TENANT_A.tenant, new Date())).repriced).toBe(0);
    expect((await dayTotals(TENANT_A.tenant, 'rita'))?.costNano).toBe(expected);
    const del = await call(api, 'DELETE', `/prices/${encodeURIComponent(model)}?effectiveFrom=2020-01-01`, {
      key: TENANT_A.key,
    });
    expect(del.status).toBe(409);
    const breaches = await call<{ items: unknown[] }>(api, 'GET', '/breaches/rita', { key: TENANT_A.key });
    expect(breaches.body.items.length).toBeGreaterThan(0);
    // The other tenant's prices are untouched.
    const other = await call<{ items: unknown[] }>(api, 'GET', '/prices', { key: TENANT_B.key });
    expect(other.body.items).toEqual([]);
  });

  it('counts each record once when two repricings race, and finishes after a crash half-way', async () => {
    const model = 'acme.reprice-2-v1:0';
    await trackUnpriced(TENANT_B.key, 'sam', model, 6, 's');
    await trackUnpriced(TENANT_B.key, 'tom', model, 6, 't');
    const prices = new DynamoPriceStore(db.client, db.name('modelPrices'));
    await prices.add(TENANT_B.tenant, {
      modelId: model,
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      source: 'tenant',
      rates,
      createdAt: new Date().toISOString(),
    });
    // A crash after 2 records: those stay priced, the rest waits.
    const real = directDeps().store;
    let calls = 0;
    const crashing: RepricingStore = {
      reprice: async (...args) => {
        if (++calls > 2) throw new Error('crash');
        return real.reprice(...args);
      },
    };
    await expect(repriceUnpriced(directDeps(crashing), TENANT_B.tenant, new Date())).rejects.toThrow('crash');
    const [a, b] = await Promise.all([
      repriceUnpriced(directDeps(), TENANT_B.tenant, new Date()),
      repriceUnpriced(directDeps(), TENANT_B.tenant, new Date()),
    ]);
    expect((a?.repriced ?? 0) + (b?.repriced ?? 0)).toBe(10);
    const each = [0, 1, 2, 3, 4, 5].reduce((sum, i) => sum + costNano(i), 0);
    const sam = await dayTotals(TENANT_B.tenant, 'sam');
    const tom = await dayTotals(TENANT_B.tenant, 'tom');
    expect((sam?.costNano ?? 0) + (tom?.costNano ?? 0)).toBe(2 * each);
    expect(sam?.requests).toBe(6);
    const summary = await new DynamoAggregateStore(db.client, db.name('tokenAnalytics')).unpriced(
      TENANT_B.tenant,
    );
    expect(summary).toEqual([]);
    const stored = (await prices.list(TENANT_B.tenant)).find((p) => p.modelId === model);
    expect(stored?.pricedEvents).toBe(0);
  });
});
