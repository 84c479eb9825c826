import { describe, expect, it } from 'vitest';
import { fromUsd, scaleNano } from '../src/money.js';
import { buildModelIndex, CATALOG, listModels } from '../src/pricing/index.js';
import type { ModelEntry, TokenRates } from '../src/pricing/types.js';

type Usd = string | null;
/** [input, output, cache read, cache write] in USD per million tokens, geo/in-region, standard context. */
type Row = [Usd, Usd, Usd, Usd];

/**
 * Current us-east-1 list prices as published, written as dollar text so that a slip in the
 * catalog's nano literals (a missing zero) cannot hide behind the same slip here.
 */
const CURRENT_PRICES: Record<string, Row> = {
  'anthropic.claude-3-haiku-20240307-v1:0': ['0.25', '1.25', null, null],
  'anthropic.claude-3-5-haiku-20241022-v1:0': ['0.80', '4.00', '0.08', '1.00'],
  'anthropic.claude-3-5-sonnet-20240620-v1:0': ['3', '15', null, null],
  'anthropic.claude-3-5-sonnet-20241022-v2:0': ['3', '15', '0.30', '3.75'],
  'anthropic.claude-3-7-sonnet-20250219-v1:0': ['3', '15', '0.30', '3.75'],
  'anthropic.claude-sonnet-4-20250514-v1:0': ['3', '15', '0.30', '3.75'],
  'anthropic.claude-sonnet-4-5-20250929-v1:0': ['3.30', '16.50', '0.33', '4.125'],
  'anthropic.claude-haiku-4-5-20251001-v1:0': ['1.10', '5.50', '0.11', '1.375'],
  'anthropic.claude-3-opus-20240229-v1:0': ['15', '75', null, null],
  'anthropic.claude-opus-4-20250514-v1:0': ['15', '75', '1.50', '18.75'],
  'anthropic.claude-opus-4-1-20250805-v1:0': ['15', '75', '1.50', '18.75'],
  'anthropic.claude-opus-4-5-20251101-v1:0': ['5.50', '27.50', '0.55', '6.875'],
  'amazon.nova-micro-v1:0': ['0.035', '0.14', '0.00875', '0.035'],
  'amazon.nova-lite-v1:0': ['0.06', '0.24', '0.015', '0.06'],
  'amazon.nova-pro-v1:0': ['0.80', '3.20', '0.20', '0.80'],
  'amazon.nova-premier-v1:0': ['2.50', '12.50', '0.625', '2.50'],
  'meta.llama3-8b-instruct-v1:0': ['0.30', '0.60', null, null],
  'meta.llama3-70b-instruct-v1:0': ['2.65', '3.50', null, null],
  'meta.llama3-1-8b-instruct-v1:0': ['0.22', '0.22', null, null],
  'meta.llama3-1-70b-instruct-v1:0': ['0.72', '0.72', null, null],
  'meta.llama3-1-405b-instruct-v1:0': ['2.40', '2.40', null, null],
  'meta.llama3-2-1b-instruct-v1:0': ['0.10', '0.10', null, null],
  'meta.llama3-2-3b-instruct-v1:0': ['0.15', '0.15', null, null],
  'meta.llama3-2-11b-instruct-v1:0': ['0.16', '0.16', null, null],
  'meta.llama3-2-90b-instruct-v1:0': ['0.72', '0.72', null, null],
  'meta.llama3-3-70b-instruct-v1:0': ['0.72', '0.72', null, null],
  'meta.llama4-scout-17b-instruct-v1:0': ['0.17', '0.66', null, null],
  'meta.llama4-maverick-17b-instruct-v1:0': ['0.24', '0.97', null, null],
  'mistral.mistral-7b-instruct-v0:2': ['0.15', '0.20', null, null],
  'mistral.mixtral-8x7b-instruct-v0:1': ['0.45', '0.70', null, null],
  'mistral.mistral-large-2402-v1:0': ['4', '12', null, null],
  'mistral.mistral-large-2407-v1:0': ['3', '9', null, null],
  'mistral.mistral-small-2402-v1:0': ['1', '3', null, null],
  'mistral.pixtral-large-2502-v1:0': ['2', '6', null, null],
};

const REGIONAL_PREMIUM_MODELS = [
  'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'anthropic.claude-haiku-4-5-20251001-v1:0',
  'anthropic.claude-opus-4-5-20251101-v1:0',
];
const LONG_CONTEXT_MODELS = [
  'anthropic.claude-sonnet-4-20250514-v1:0',
  'anthropic.claude-sonnet-4-5-20250929-v1:0',
];

const GPT_56 = ['openai.gpt-5.6-luna', 'openai.gpt-5.6-sol', 'openai.gpt-5.6-terra'];

const KINDS = [
  'inputNanoPerMTok',
  'outputNanoPerMTok',
  'cacheReadNanoPerMTok',
  'cacheWriteNanoPerMTok',
] as const;

function latest(model: ModelEntry) {
  const version = model.prices.at(-1);
  if (!version) throw new Error(`${model.modelId} has no versions`);
  return version;
}

function asRow(rates: TokenRates): (number | null)[] {
  return KINDS.map((kind) => rates[kind]);
}

function byId(modelId: string): ModelEntry {
  const model = CATALOG.find((m) => m.modelId === modelId);
  if (!model) throw new Error(`missing ${modelId}`);
  return model;
}

describe('pricing catalog', () => {
  it('holds every model of the hand-written catalog and every genai-prices model, sorted by id', () => {
    const ids = CATALOG.map((m) => m.modelId);
    expect(ids.filter((id) => id in CURRENT_PRICES)).toHaveLength(Object.keys(CURRENT_PRICES).length);
    // 76 Bedrock models of genai-prices (93 entries, global and regional halves merged) and the
    // two models only the overlay prices.
    expect(ids).toHaveLength(78);
    expect(ids).toEqual([...ids].sort());
    expect(listModels().map((m) => m.modelId)).toEqual(ids);
  });

  it.each(Object.entries(CURRENT_PRICES))('lists the published current price of %s', (modelId, row) => {
    const expected = row.map((usd) => (usd === null ? null : fromUsd(usd)));
    expect(asRow(latest(byId(modelId)).rates)).toEqual(expected);
  });

  it('stores every rate as a safe, non-negative integer of nano-USD per MTok', () => {
    for (const model of CATALOG) {
      for (const version of model.prices) {
        const all = [
          version.rates,
          version.globalRates,
          version.longContext?.rates,
          version.longContext?.globalRates,
        ];
        for (const rates of all) {
          if (!rates) continue;
          for (const value of asRow(rates)) {
            if (value === null) continue;
            expect(Number.isSafeInteger(value) && value >= 0, `${version.version} ${value}`).toBe(true);
          }
        }
      }
    }
  });

  it('gives each version a stable id, an ISO day, a source, and strictly increasing dates', () => {
    for (const model of CATALOG) {
      expect(model.prices.length).toBeGreaterThan(0);
      let previous = '';
      for (const version of model.prices) {
        expect(version.version).toBe(`${model.modelId}@${version.effectiveFrom}`);
        expect(version.effectiveFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(new Date(`${version.effectiveFrom}T00:00:00Z`).toISOString().slice(0, 10)).toBe(
          version.effectiveFrom,
        );
        expect(version.effectiveFrom > previous).toBe(true);
        expect(version.source).toBe('catalog');
        expect(version.note.length).toBeGreaterThan(5);
        previous = version.effectiveFrom;
      }
    }
  });

  it('records the Claude 3.5 Haiku price cut as two versions', () => {
    const haiku = byId('anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(haiku.prices.map((v) => v.effectiveFrom)).toEqual(['2024-11-04', '2024-12-02']);
    expect(asRow(haiku.prices[0]!.rates)).toEqual([fromUsd('1'), fromUsd('5'), null, null]);
    expect(asRow(haiku.prices[1]!.rates)).toEqual([
      fromUsd('0.8'),
      fromUsd('4'),
      fromUsd('0.08'),
      fromUsd('1'),
    ]);
    expect(haiku.prices[0]!.version).toBe('anthropic.claude-3-5-haiku-20241022-v1:0@2024-11-04');
  });

  it('prices Claude cache reads at 1/10 and cache writes at 5/4 of input, exactly', () => {
    // Claude 4.x and earlier; Fable 5.x and Opus 5.5 read from the cache at other fractions.
    for (const model of CATALOG.filter((m) => m.provider === 'anthropic' && !/-5-|-5$/.test(m.modelId))) {
      for (const version of model.prices) {
        const tiers = [
          version.rates,
          version.globalRates,
          version.longContext?.rates,
          version.longContext?.globalRates,
        ];
        for (const rates of tiers) {
          if (!rates || rates.cacheReadNanoPerMTok === null) continue;
          expect(rates.cacheReadNanoPerMTok, version.version).toBe(scaleNano(rates.inputNanoPerMTok, 1, 10));
          expect(rates.cacheWriteNanoPerMTok, version.version).toBe(scaleNano(rates.inputNanoPerMTok, 5, 4));
        }
      }
    }
  });

  it('prices Nova cache reads at 1/4 of input and cache writes at the input rate', () => {
    const nova = CATALOG.filter((m) => m.modelId.startsWith('amazon.nova-') && !m.modelId.includes('sonic'));
    expect(nova).toHaveLength(5);
    for (const model of nova) {
      const { rates } = latest(model);
      expect(rates.cacheReadNanoPerMTok).toBe(scaleNano(rates.inputNanoPerMTok, 1, 4));
      expect(rates.cacheWriteNanoPerMTok).toBe(rates.inputNanoPerMTok);
    }
  });

  it('gives Llama and Mistral models no prompt caching', () => {
    for (const model of CATALOG.filter((m) => m.provider === 'meta' || m.provider === 'mistral')) {
      const { rates } = latest(model);
      expect([rates.cacheReadNanoPerMTok, rates.cacheWriteNanoPerMTok]).toEqual([null, null]);
    }
  });

  it('charges geo/in-region exactly 11/10 of global wherever a model has global rates', () => {
    const withPremium = CATALOG.filter((m) => m.prices.some((v) => v.globalRates)).map((m) => m.modelId);
    expect(withPremium).toEqual(expect.arrayContaining(REGIONAL_PREMIUM_MODELS));
    expect(withPremium).not.toContain('anthropic.claude-sonnet-4-20250514-v1:0');
    for (const modelId of withPremium) {
      const version = latest(byId(modelId));
      const pairs: [TokenRates | undefined, TokenRates | undefined][] = [
        [version.rates, version.globalRates],
        [version.longContext?.rates, version.longContext?.globalRates],
      ];
      for (const [regional, global] of pairs) {
        if (!regional && !global) continue;
        for (const kind of KINDS) {
          const g = global?.[kind];
          expect(g, `${modelId} ${kind}`).toBeTypeOf('number');
          expect(regional?.[kind], `${modelId} ${kind}`).toBe(scaleNano(g as number, 11, 10));
        }
      }
    }
  });

  it('has long-context tiers (Sonnet 4 and 4.5 above 200k, GPT-5.6 from 272k): input and cache x2, output x1.5', () => {
    const withTier = CATALOG.filter((m) => m.prices.some((v) => v.longContext)).map((m) => m.modelId);
    expect(withTier).toEqual([...LONG_CONTEXT_MODELS, ...GPT_56]);
    for (const modelId of withTier) {
      const version = latest(byId(modelId));
      const tier = version.longContext!;
      expect(tier.aboveInputTokens).toBe(LONG_CONTEXT_MODELS.includes(modelId) ? 200_000 : 271_999);
      const pairs: [TokenRates, TokenRates | undefined][] = [
        [version.rates, tier.rates],
        [version.globalRates ?? version.rates, tier.globalRates ?? tier.rates],
      ];
      for (const [base, long] of pairs) {
        expect(long?.inputNanoPerMTok).toBe(scaleNano(base.inputNanoPerMTok, 2, 1));
        expect(long?.outputNanoPerMTok).toBe(scaleNano(base.outputNanoPerMTok, 3, 2));
        expect(long?.cacheReadNanoPerMTok).toBe(scaleNano(base.cacheReadNanoPerMTok!, 2, 1));
        expect(long?.cacheWriteNanoPerMTok).toBe(scaleNano(base.cacheWriteNanoPerMTok!, 2, 1));
      }
    }
  });

  it('makes Opus 4.5 a third of the price of Opus 4 and 4.1 (global 5/25 vs 15/75)', () => {
    const opus45 = latest(byId('anthropic.claude-opus-4-5-20251101-v1:0'));
    expect(asRow(opus45.globalRates!)).toEqual(['5', '25', '0.5', '6.25'].map((usd) => fromUsd(usd)));
    for (const older of [
      'anthropic.claude-opus-4-20250514-v1:0',
      'anthropic.claude-opus-4-1-20250805-v1:0',
    ]) {
      const rates = latest(byId(older)).rates;
      expect(rates.inputNanoPerMTok).toBe(3 * opus45.globalRates!.inputNanoPerMTok);
      expect(rates.outputNanoPerMTok).toBe(3 * opus45.globalRates!.outputNanoPerMTok);
    }
  });

  it('has no spelling claimed by two models', () => {
    const index = buildModelIndex(CATALOG);
    const aliasCount = CATALOG.reduce((n, m) => n + m.aliases.length, 0);
    expect(index.aliases.size).toBe(aliasCount);
    expect(index.bedrockIds.get('anthropic.claude-3-haiku-20240307-v1:0:48k')?.name).toBe('Claude 3 Haiku');
  });

  it('refuses to index a catalog where two models claim one spelling', () => {
    const a = byId('amazon.nova-micro-v1:0');
    const clash: ModelEntry = { ...byId('amazon.nova-lite-v1:0'), aliases: ['nova-micro'] };
    expect(() => buildModelIndex([a, clash])).toThrow(/'nova-micro' is claimed by both/);
    const sameId: ModelEntry = { ...a, name: 'copy' };
    expect(() => buildModelIndex([a, sameId])).toThrow(/claimed by both/);
  });

  it('is frozen and hands out a fresh array', () => {
    const first = listModels();
    first.pop();
    expect(listModels()).toHaveLength(CATALOG.length);
    expect(Object.isFrozen(CATALOG)).toBe(true);
    const model = CATALOG[0]!;
    expect(() => {
      (model.prices[0]!.rates as { inputNanoPerMTok: number }).inputNanoPerMTok = 1;
    }).toThrow(TypeError);
    expect(() => {
      (model.aliases as string[]).push('x');
    }).toThrow(TypeError);
  });
});
