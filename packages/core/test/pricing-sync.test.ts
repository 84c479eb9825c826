import { describe, expect, it } from 'vitest';
import {
  CATALOG_DATA,
  catalogEntriesOf,
  DEFAULT_CATALOG,
  mergeCatalog,
  planPriceSync,
  priceUsage,
  samePrices,
  tryResolveModel,
} from '../src/pricing/index.js';
import type { ModelEntry, PriceVersion, TokenRates } from '../src/pricing/types.js';

const SONNET_45 = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA_MICRO = 'amazon.nova-micro-v1:0';

function flat(input: number, output: number): TokenRates {
  return {
    inputNanoPerMTok: input,
    outputNanoPerMTok: output,
    cacheReadNanoPerMTok: null,
    cacheWriteNanoPerMTok: null,
  };
}

const version = (modelId: string, effectiveFrom: string, rates: TokenRates): PriceVersion => ({
  version: `${modelId}@${effectiveFrom}`,
  effectiveFrom,
  source: 'catalog',
  note: 'test',
  rates,
});

const entryOf = (modelId: string): ModelEntry => {
  const entry = DEFAULT_CATALOG.entries.find((e) => e.modelId === modelId);
  if (!entry) throw new Error(modelId);
  return entry;
};

describe('planPriceSync', () => {
  it('adds nothing for the data the release was built from', () => {
    const plan = planPriceSync(DEFAULT_CATALOG, catalogEntriesOf(CATALOG_DATA));
    expect(plan).toEqual({ add: [], newModels: [], differing: [], skipped: [] });
  });

  it('adds a new model with every version and its name', () => {
    const entry: ModelEntry = {
      modelId: 'acme.frontier-2-v1:0',
      provider: 'acme',
      name: 'Acme Frontier 2',
      aliases: [],
      contextVariants: [],
      prices: [
        version('acme.frontier-2-v1:0', '2026-01-01', flat(2_000_000_000, 8_000_000_000)),
        version('acme.frontier-2-v1:0', '2026-06-01', flat(1_000_000_000, 4_000_000_000)),
      ],
    };
    const plan = planPriceSync(DEFAULT_CATALOG, [entry]);
    expect(plan.newModels).toEqual(['acme.frontier-2-v1:0']);
    expect(plan.add.map((a) => [a.modelId, a.effectiveFrom, a.source, a.modelName])).toEqual([
      ['acme.frontier-2-v1:0', '2026-01-01', 'sync', 'Acme Frontier 2'],
      ['acme.frontier-2-v1:0', '2026-06-01', 'sync', 'Acme Frontier 2'],
    ]);
    const merged = mergeCatalog(DEFAULT_CATALOG, plan.add);
    expect(tryResolveModel('us.acme.frontier-2-v1:0', merged)?.model.name).toBe('Acme Frontier 2');
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    expect(
      priceUsage({ modelId: 'acme.frontier-2-v1:0', usage, at: '2026-03-01T00:00:00Z' }, merged).costNano,
    ).toBe(10_000_000_000);
    expect(
      priceUsage({ modelId: 'acme.frontier-2-v1:0', usage, at: '2026-07-01T00:00:00Z' }, merged).costNano,
    ).toBe(5_000_000_000);
    expect(planPriceSync(merged, [entry])).toEqual({ add: [], newModels: [], differing: [], skipped: [] });
  });

  it('carries global rates and a long-context tier of a new version', () => {
    const known = entryOf(SONNET_45);
    const tiered: PriceVersion = {
      ...version(SONNET_45, '2027-01-01', flat(3_300_000_000, 16_500_000_000)),
      globalRates: flat(3_000_000_000, 15_000_000_000),
      longContext: { aboveInputTokens: 200_000, rates: flat(6_600_000_000, 24_750_000_000) },
    };
    const [added] = planPriceSync(DEFAULT_CATALOG, [{ ...known, prices: [...known.prices, tiered] }]).add;
    expect(added).toMatchObject({
      effectiveFrom: '2027-01-01',
      globalRates: tiered.globalRates,
      longContext: tiered.longContext,
    });
  });

  it('adds a new dated version of a known model under its catalog id, keeping the earlier ones', () => {
    const known = entryOf(SONNET_45);
    const cut = { ...version(SONNET_45, '2026-12-01', flat(2_000_000_000, 10_000_000_000)) };
    const plan = planPriceSync(DEFAULT_CATALOG, [{ ...known, prices: [...known.prices, cut] }]);
    expect(plan.newModels).toEqual([]);
    expect(plan.add).toEqual([
      {
        modelId: SONNET_45,
        effectiveFrom: '2026-12-01',
        source: 'sync',
        note: 'price sync (genai-prices)',
        rates: cut.rates,
      },
    ]);
    const merged = mergeCatalog(DEFAULT_CATALOG, plan.add);
    const usage = { inputTokens: 1_000_000, outputTokens: 0 };
    const before = priceUsage({ modelId: SONNET_45, usage, at: '2026-11-30T23:59:59.999Z' }, merged);
    expect(before).toEqual(priceUsage({ modelId: SONNET_45, usage, at: '2026-11-30T23:59:59.999Z' }));
    expect(priceUsage({ modelId: SONNET_45, usage, at: '2026-12-01T00:00:00Z' }, merged).priceVersion).toBe(
      `${SONNET_45}@2026-12-01#sync`,
    );
  });

  it('reports a changed past price and leaves it as it is', () => {
    const known = entryOf(NOVA_MICRO);
    const [first, ...rest] = known.prices as [PriceVersion, ...PriceVersion[]];
    const changed = {
      ...first,
      rates: { ...first.rates, inputNanoPerMTok: first.rates.inputNanoPerMTok + 1 },
    };
    const plan = planPriceSync(DEFAULT_CATALOG, [{ ...known, prices: [changed, ...rest] }]);
    expect(plan.add).toEqual([]);
    expect(plan.differing).toEqual([
      { modelId: NOVA_MICRO, effectiveFrom: first.effectiveFrom, version: first.version },
    ]);
  });

  it('compares the version in force at an instant (a sync over the catalog), by every figure', () => {
    const known = entryOf(NOVA_MICRO);
    const first = known.prices[0] as PriceVersion;
    const synced = { ...first.rates, outputNanoPerMTok: first.rates.outputNanoPerMTok + 5 };
    const current = mergeCatalog(DEFAULT_CATALOG, [
      { modelId: NOVA_MICRO, effectiveFrom: first.effectiveFrom, source: 'sync', rates: synced },
    ]);
    const same = { ...known, prices: [{ ...first, rates: synced }] };
    expect(planPriceSync(current, [same]).differing).toEqual([]);
    expect(planPriceSync(current, [known]).differing).toHaveLength(1);
  });

  it('skips a model whose id is not a Bedrock model id', () => {
    const odd: ModelEntry = { ...entryOf(NOVA_MICRO), modelId: 'not a model id' };
    expect(planPriceSync(DEFAULT_CATALOG, [odd]).skipped).toEqual([
      { modelId: 'not a model id', reason: 'not a Bedrock model id' },
    ]);
  });
});

describe('samePrices', () => {
  const base = { rates: flat(1, 2) };
  it('tells apart global rates, long-context tiers and 1-hour cache writes', () => {
    expect(samePrices(base, { rates: flat(1, 2) })).toBe(true);
    expect(samePrices(base, { ...base, globalRates: flat(1, 2) })).toBe(false);
    expect(samePrices({ ...base, globalRates: flat(1, 2) }, { ...base, globalRates: flat(1, 3) })).toBe(
      false,
    );
    const tier = { aboveInputTokens: 200_000, rates: flat(2, 4) };
    expect(samePrices({ ...base, longContext: tier }, { ...base, longContext: tier })).toBe(true);
    expect(samePrices({ ...base, longContext: tier }, base)).toBe(false);
    expect(
      samePrices({ ...base, longContext: tier }, { ...base, longContext: { ...tier, aboveInputTokens: 1 } }),
    ).toBe(false);
    expect(samePrices(base, { rates: { ...flat(1, 2), cacheWrite1hNanoPerMTok: 7 } })).toBe(false);
  });
});

describe('mergeCatalog names a new model', () => {
  it('by the first version that carries a name', () => {
    const merged = mergeCatalog(DEFAULT_CATALOG, [
      { modelId: 'acme.named-v1:0', effectiveFrom: '2026-01-01', source: 'tenant', rates: flat(1, 1) },
      {
        modelId: 'acme.named-v1:0',
        effectiveFrom: '2026-02-01',
        source: 'sync',
        modelName: 'Acme Named',
        rates: flat(1, 1),
      },
    ]);
    expect(tryResolveModel('acme.named-v1:0', merged)?.model.name).toBe('Acme Named');
  });
});
