import { CATALOG_DATA, type CatalogData } from '@cost-management/core';
import { findProvider } from '@pydantic/genai-prices';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BundledPriceSource,
  PublishedPriceSource,
  StaticPriceSource,
} from '../../lambdas/pricing/adapters/price-sources.js';
import type { PriceStore, StoredPrice } from '../../lambdas/pricing/ports/price-store.js';
import type { PriceSyncRun, PriceSyncRuns } from '../../lambdas/pricing/ports/price-sync-runs.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** A price store in memory: versions keyed by scope, model and instant, never rewritten. */
function memoryStore(): PriceStore & { items: Map<string, StoredPrice> } {
  const items = new Map<string, StoredPrice>();
  return {
    items,
    async add(scope, price) {
      const key = `${scope}|${price.modelId}|${price.effectiveFrom}`;
      if (items.has(key)) return false;
      items.set(key, { ...price, pricedEvents: 0 });
      return true;
    },
    async list(scope) {
      return [...items].filter(([k]) => k.startsWith(`${scope}|`)).map(([, v]) => v);
    },
    async remove() {
      return 'not-found';
    },
  };
}

function memoryRuns(): PriceSyncRuns & { runs: PriceSyncRun[] } {
  const runs: PriceSyncRun[] = [];
  return {
    runs,
    async record(run) {
      runs.push(run);
    },
    async recent(limit) {
      return [...runs].reverse().slice(0, limit);
    },
  };
}

/** The release's data with one more model. */
const withNewModel: CatalogData = {
  ...CATALOG_DATA,
  models: [
    ...CATALOG_DATA.models,
    {
      modelId: 'acme.unit-9-v1:0',
      name: 'Acme Unit 9',
      genaiPricesIds: ['acme.unit-9-v1:0'],
      spellings: [],
      aliases: [],
      unpricedKeys: [],
      versions: [
        {
          effectiveFrom: '2026-01-01',
          rates: {
            inputNanoPerMTok: 1_000_000_000,
            outputNanoPerMTok: 2_000_000_000,
            cacheReadNanoPerMTok: null,
            cacheWriteNanoPerMTok: null,
          },
        },
      ],
    },
  ],
};

/** Runs the sync with Powertools logging and EMF on, capturing the JSON lines it writes. */
async function syncCapturing(
  deps: Parameters<typeof import('../../lambdas/pricing/use-cases/sync-prices.js').syncPrices>[0],
) {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  vi.spyOn(console, 'info').mockImplementation((line: unknown) => void lines.push(String(line)));
  vi.spyOn(console, 'warn').mockImplementation((line: unknown) => void lines.push(String(line)));
  const { syncPrices } = await import('../../lambdas/pricing/use-cases/sync-prices.js');
  let result: PriceSyncRun | Error;
  try {
    result = await syncPrices(deps, new Date('2026-11-30T06:00:00Z'));
  } catch (error) {
    result = error as Error;
  }
  vi.restoreAllMocks();
  const json = lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { result, json };
}

describe('syncPrices (the use case)', () => {
  it('adds the new model, records the run, logs a line and emits PriceVersionsSynced', async () => {
    const store = memoryStore();
    const runs = memoryRuns();
    let forgotten = 0;
    const { result, json } = await syncCapturing({
      source: new StaticPriceSource({ data: withNewModel, origin: 'package', location: 'unit' }),
      store,
      runs,
      forgetAll: () => void forgotten++,
      reprice: async () => ({ tenants: 3, repriced: 7 }),
      clock: () => new Date('2026-11-30T06:00:01Z'),
    });
    expect(result).toMatchObject({
      startedAt: '2026-11-30T06:00:00.000Z',
      finishedAt: '2026-11-30T06:00:01.000Z',
      added: [{ modelId: 'acme.unit-9-v1:0', effectiveFrom: '2026-01-01' }],
      newModels: ['acme.unit-9-v1:0'],
      repricing: { tenants: 3, repriced: 7 },
    });
    expect(runs.runs).toEqual([result]);
    expect(forgotten).toBe(1);
    expect([...store.items.values()]).toMatchObject([
      { modelId: 'acme.unit-9-v1:0', source: 'sync', modelName: 'Acme Unit 9' },
    ]);
    const log = json.find((l) => l.message === 'price sync finished');
    expect(log).toMatchObject({
      level: 'INFO',
      added: 1,
      newModels: ['acme.unit-9-v1:0'],
      origin: 'package',
    });
    const metric = json.find((l) => '_aws' in l);
    expect(metric).toMatchObject({ PriceVersionsSynced: 1 });
    expect(metric).not.toHaveProperty('PriceSyncFallbacks');
  });

  it('records a failed repricing, then throws (the versions stay; the next run continues)', async () => {
    const store = memoryStore();
    const runs = memoryRuns();
    const { result } = await syncCapturing({
      source: new StaticPriceSource({ data: withNewModel, origin: 'package', location: 'unit' }),
      store,
      runs,
      reprice: async () => {
        throw new Error('table unavailable');
      },
    });
    expect(result).toBeInstanceOf(Error);
    expect(runs.runs[0]?.repricing).toEqual({ error: 'table unavailable' });
    expect(store.items.size).toBe(1);
  });

  it('stores nothing and records nothing when the source has no data', async () => {
    const store = memoryStore();
    const runs = memoryRuns();
    const { result } = await syncCapturing({
      source: {
        load: async () => {
          throw new Error('no data');
        },
      },
      store,
      runs,
    });
    expect((result as Error).message).toBe('no data');
    expect(store.items.size).toBe(0);
    expect(runs.runs).toEqual([]);
  });
});

describe('PublishedPriceSource', () => {
  const provider = findProvider({ providerId: 'aws' });
  const respond = (status: number, body: unknown): typeof fetch =>
    (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;
  const source = (fetchImpl: typeof fetch) =>
    new PublishedPriceSource('https://prices.example/data.json', new BundledPriceSource(), {
      fetch: fetchImpl,
    });

  it('converts the aws provider of the published file', async () => {
    const loaded = await source(respond(200, [{ id: 'other', models: [] }, provider]));
    const result = await loaded.load();
    expect(result.origin).toBe('published');
    expect(result.location).toBe('https://prices.example/data.json');
    expect(result.fallbackReason).toBeUndefined();
    expect(result.data).toEqual(CATALOG_DATA);
  });

  it('accepts start dates without a constraint type, as genai-prices itself does', async () => {
    const copy = structuredClone(provider) as unknown as { models: { id: string; prices: unknown }[] };
    const micro = copy.models.find((m) => m.id === 'amazon.nova-micro-v1:0') as { prices: unknown };
    micro.prices = [
      { prices: micro.prices },
      { constraint: { start_date: '2026-12-01' }, prices: { input_mtok: 0.03, output_mtok: 0.12 } },
    ];
    const result = await source(respond(200, [copy])).load();
    const versions = result.data.models.find((m) => m.modelId === 'amazon.nova-micro-v1:0')?.versions;
    expect(versions?.map((v) => v.effectiveFrom)).toEqual([null, '2026-12-01']);
  });

  it.each([
    ['an error status', respond(503, {}), 'HTTP 503'],
    ['no aws provider', respond(200, [{ id: 'openai', models: [] }]), "no 'aws' provider"],
    ['not a list', respond(200, { providers: [] }), 'not a list of providers'],
    [
      'an inexact price',
      respond(200, [
        {
          id: 'aws',
          models: [{ id: 'a.b-v1:0', match: { equals: 'a.b-v1:0' }, prices: { input_mtok: 0.0000000001 } }],
        },
      ]),
      'more precise than a nano-dollar',
    ],
    [
      'no network',
      (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
      'fetch failed',
    ],
  ])('falls back to the bundled data on %s, with the reason', async (_name, fetchImpl, reason) => {
    const result = await source(fetchImpl).load();
    expect(result.origin).toBe('bundled');
    expect(result.data).toBe(CATALOG_DATA);
    expect(result.fallbackReason).toContain('https://prices.example/data.json could not be used');
    expect(result.fallbackReason).toContain(reason);
  });

  it('the sync emits PriceSyncFallbacks and logs a warning when it fell back', async () => {
    const { result, json } = await syncCapturing({
      source: source(respond(500, {})),
      store: memoryStore(),
      runs: memoryRuns(),
    });
    expect(result).toMatchObject({
      origin: 'bundled',
      added: [],
      fallbackReason: expect.stringContaining('HTTP 500'),
    });
    expect(json.find((l) => l.message === 'price sync used fallback data')).toMatchObject({ level: 'WARN' });
    expect(json.find((l) => '_aws' in l)).toMatchObject({ PriceSyncFallbacks: 1 });
  });
});
