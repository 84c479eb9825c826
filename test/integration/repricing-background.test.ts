import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent, RepricingRequestedDetail } from '../../lambdas/platform/events/event-publisher.js';
import { DynamoPriceStore } from '../../lambdas/pricing/adapters/dynamo-price-store.js';
import { cachedEffectiveCatalog } from '../../lambdas/pricing/use-cases/effective-catalog.js';
import { DynamoAggregateStore } from '../../lambdas/usage/adapters/dynamo-aggregate-store.js';
import { DynamoUsageRecords } from '../../lambdas/usage/adapters/dynamo-usage-records.js';
import { DynamoUsageStore } from '../../lambdas/usage/adapters/dynamo-usage-store.js';
import type { RepricingStore } from '../../lambdas/usage/ports/usage-store.js';
import {
  type BackgroundRepriceDeps,
  continueRepricing,
} from '../../lambdas/usage/use-cases/reprice-in-background.js';
import { type RepriceCursor, repriceUnpriced } from '../../lambdas/usage/use-cases/reprice-unpriced.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

/*
 * A large backlog of usage waiting for a price is not repriced inside the PUT /prices request:
 * the request reprices a bounded number of records (REPRICE_INLINE_RECORDS) and hands the rest to
 * the background job (RepricingRequested on the event bus), which continues from where the
 * request stopped. Bounded runs resume from their cursor; every record is priced exactly once.
 */

const INLINE = 20;
let runtime: LocalRuntime;
let api: string;
let db: ReturnType<typeof tables>;

beforeAll(async () => {
  process.env.REPRICE_INLINE_RECORDS = String(INLINE);
  runtime = await startTestRuntime();
  api = runtime.apiBase;
  db = tables();
});
afterAll(async () => {
  delete process.env.REPRICE_INLINE_RECORDS;
  await runtime.close();
});

const WHEN = (i: number) => new Date(Date.now() - 120_000 - i * 10).toISOString();
const RATES = { input: 1.1, output: 2.3 };
/** Cost of event i at USD 1.1 / 2.3 per MTok: (1,000,000 + i) input and 333,333 output tokens. */
const costNano = (i: number) => (1_000_000 + i) * 1100 + 333_333 * 2300;

/** Records `n` unpriced events of `modelId` in batches of 25, alternating two users. */
async function backlog(key: string, modelId: string, n: number, prefix: string): Promise<void> {
  for (let start = 0; start < n; start += 25) {
    const events = Array.from({ length: Math.min(25, n - start) }, (_, j) => {
      const i = start + j;
      return {
        requestId: `${prefix}-${i}`,
        userId: i % 2 === 0 ? 'ann' : 'ben',
        modelId,
        inputTokens: 1_000_000 + i,
        outputTokens: 333_333,
        timestamp: WHEN(i),
      };
    });
    const res = await call<{ results: { status: number }[] }>(api, 'POST', '/track-usage/batch', {
      key,
      body: { events },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.every((r) => r.status === 201)).toBe(true);
  }
}

async function tenantCost(tenantId: string): Promise<number> {
  const aggregates = new DynamoAggregateStore(db.client, db.name('tokenAnalytics'));
  let total = 0;
  for (const user of ['ann', 'ben']) {
    const day = WHEN(0).slice(0, 10);
    total += (await aggregates.readDays(tenantId, user, day, day)).days[0]?.totals.costNano ?? 0;
  }
  return total;
}

const sumCost = (n: number) => Array.from({ length: n }, (_, i) => costNano(i)).reduce((a, b) => a + b, 0);

function deps(published: DomainEvent[], store?: RepricingStore): BackgroundRepriceDeps {
  const aggregates = new DynamoAggregateStore(db.client, db.name('tokenAnalytics'));
  const records = new DynamoUsageRecords(db.client, db.name('tokenUsage'));
  return {
    unpriced: {
      models: async (t) => (await aggregates.unpriced(t)).map((s) => s.modelId),
      page: (t, m, p) => records.unpricedRecords(t, m, p),
    },
    store:
      store ??
      new DynamoUsageStore(db.client, {
        usageTable: db.name('tokenUsage'),
        analyticsTable: db.name('tokenAnalytics'),
      }),
    catalogOf: cachedEffectiveCatalog(new DynamoPriceStore(db.client, db.name('modelPrices'))),
    publisher: { publish: async (events) => void published.push(...events) },
  };
}

async function tenantPrice(tenantId: string, modelId: string) {
  await new DynamoPriceStore(db.client, db.name('modelPrices')).add(tenantId, {
    modelId,
    effectiveFrom: '2020-01-01T00:00:00.000Z',
    source: 'tenant',
    rates: {
      inputNanoPerMTok: 1_100_000_000,
      outputNanoPerMTok: 2_300_000_000,
      cacheReadNanoPerMTok: null,
      cacheWriteNanoPerMTok: null,
    },
    createdAt: new Date().toISOString(),
  });
}

describe('repricing a large backlog', () => {
  it('reprices a bounded part inside PUT /prices and the rest in the background, each record once', async () => {
    const model = 'acme.backlog-1-v1:0';
    await backlog(TENANT_A.key, model, 75, 'bl');
    const put = await call<{ repricedEvents: number }>(api, 'PUT', `/prices/${encodeURIComponent(model)}`, {
      key: TENANT_A.key,
      body: { effectiveFrom: '2020-01-01', inputPerMTokUsd: RATES.input, outputPerMTokUsd: RATES.output },
    });
    expect(put.status, put.text).toBe(201);
    expect(put.body.repricedEvents).toBe(INLINE);
    await runtime.alerting.bus.idle();
    expect(await tenantCost(TENANT_A.tenant)).toBe(sumCost(75));
    const waiting = await call<{ items: unknown[] }>(api, 'GET', '/unpriced', { key: TENANT_A.key });
    expect(waiting.body.items).toEqual([]);
    const prices = await call<{ items: { modelId: string; pricedEvents: number }[] }>(api, 'GET', '/prices', {
      key: TENANT_A.key,
    });
    expect(prices.body.items.find((p) => p.modelId === model)?.pricedEvents).toBe(75);
  });

  it('resumes bounded runs from their cursor across models, and a failed background run is retried without double counting', async () => {
    const models = ['acme.backlog-2-v1:0', 'acme.backlog-3-v1:0'];
    await backlog(TENANT_B.key, models[0] as string, 13, 'b2');
    await backlog(TENANT_B.key, models[1] as string, 11, 'b3');
    for (const m of models) await tenantPrice(TENANT_B.tenant, m);
    const published: DomainEvent[] = [];

    // Bounded runs of 5 records: each stops with a cursor, the next continues there.
    let from: RepriceCursor | undefined;
    let repriced = 0;
    let runs = 0;
    do {
      const run = await repriceUnpriced(deps(published), TENANT_B.tenant, new Date(), {
        maxRecords: 5,
        ...(from ? { from } : {}),
      });
      repriced += run.repriced;
      from = run.next;
      runs++;
      if (runs === 3) break;
    } while (from);
    expect(repriced).toBe(15);
    expect(from).toBeDefined();

    // The background job continues from the cursor; a crash half-way throws (the event is retried).
    let writes = 0;
    const real = deps(published).store;
    const crashing: RepricingStore = {
      reprice: async (...args) => {
        if (++writes > 4) throw new Error('crash');
        return real.reprice(...args);
      },
    };
    const detail: RepricingRequestedDetail = { tenantId: TENANT_B.tenant, resume: from as RepriceCursor };
    await expect(
      continueRepricing(deps(published, crashing), detail, new Date(), () => false),
    ).rejects.toThrow('crash');
    // The retried event, twice at once (a duplicate delivery): the rest, once.
    const [a, b] = await Promise.all([
      continueRepricing(deps(published), detail, new Date(), () => false),
      continueRepricing(deps(published), detail, new Date(), () => false),
    ]);
    expect(repriced + 4 + a.repriced + b.repriced).toBe(24);
    expect(a.handedOff || b.handedOff).toBe(false);
    expect(published).toEqual([]);
    const summary = await new DynamoAggregateStore(db.client, db.name('tokenAnalytics')).unpriced(
      TENANT_B.tenant,
    );
    expect(summary).toEqual([]);
    expect(await tenantCost(TENANT_B.tenant)).toBe(sumCost(13) + sumCost(11));
  });

  it('hands the rest on when its time runs out', async () => {
    const model = 'acme.backlog-4-v1:0';
    await backlog(TENANT_B.key, model, 6, 'b4');
    await tenantPrice(TENANT_B.tenant, model);
    const published: DomainEvent[] = [];
    // Out of time before the first page: nothing read, the same place handed on.
    const stopped = await continueRepricing(
      deps(published),
      { tenantId: TENANT_B.tenant },
      new Date(),
      () => true,
    );
    expect(stopped).toEqual({ repriced: 0, handedOff: true });
    expect(published).toEqual([
      { detailType: 'RepricingRequested', detail: { tenantId: TENANT_B.tenant, resume: { modelId: model } } },
    ]);
    const done = await continueRepricing(
      deps(published),
      published[0]?.detail as unknown as RepricingRequestedDetail,
      new Date(),
      () => false,
    );
    expect(done).toEqual({ repriced: 6, handedOff: false });
  });
});
