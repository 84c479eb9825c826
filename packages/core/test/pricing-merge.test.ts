import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnknownModelError, ValidationError } from '../src/errors.js';
import { estimateWorkload } from '../src/estimate.js';
import {
  type AddedPriceVersion,
  CATALOG,
  DEFAULT_CATALOG,
  effectiveMillis,
  listModels,
  mergeCatalog,
  priceUsage,
  resolveModel,
  versionAt,
} from '../src/pricing/index.js';
import type { TokenRates } from '../src/pricing/types.js';

const HAIKU_35 = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const USAGE = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
const START = Date.parse('2024-01-01T00:00:00Z');
const END = Date.parse('2028-01-01T00:00:00Z');

function flat(input: number, output: number): TokenRates {
  return {
    inputNanoPerMTok: input,
    outputNanoPerMTok: output,
    cacheReadNanoPerMTok: null,
    cacheWriteNanoPerMTok: null,
  };
}

function tenant(modelId: string, effectiveFrom: string, input: number, output = input): AddedPriceVersion {
  return { modelId, effectiveFrom, source: 'tenant', rates: flat(input, output) };
}

const iso = (ms: number) => new Date(ms).toISOString();
const arbModel = fc.constantFrom(...CATALOG.map((m) => m.modelId));
const arbInstant = fc.integer({ min: START, max: END });
const arbRate = fc.integer({ min: 0, max: 100_000_000_000 });

describe('versionAt at effectiveFrom boundaries', () => {
  it('switches to a version exactly at its effectiveFrom, not a millisecond earlier (property)', () => {
    const versions = CATALOG.flatMap((m) => m.prices.map((_version, i) => ({ model: m, i })));
    fc.assert(
      fc.property(fc.constantFrom(...versions), ({ model, i }) => {
        const version = model.prices[i]!;
        const at = effectiveMillis(version.effectiveFrom);
        expect(versionAt(model, at)).toBe(version);
        expect(versionAt(model, at - 1)).toBe(model.prices[Math.max(0, i - 1)]);
      }),
    );
  });

  it('keeps the version in force until the next one starts (property)', () => {
    fc.assert(
      fc.property(arbModel, arbInstant, (modelId, at) => {
        const model = resolveModel(modelId).model;
        const inForce = versionAt(model, at);
        const later = model.prices.filter(
          (p) => effectiveMillis(p.effectiveFrom) > effectiveMillis(inForce.effectiveFrom),
        );
        for (const next of later) expect(effectiveMillis(next.effectiveFrom)).toBeGreaterThan(at);
      }),
    );
  });
});

describe('mergeCatalog', () => {
  it('returns the base catalog when nothing is added, and never changes the base', () => {
    expect(mergeCatalog(DEFAULT_CATALOG, [])).toBe(DEFAULT_CATALOG);
    const before = JSON.stringify(DEFAULT_CATALOG.entries);
    mergeCatalog(DEFAULT_CATALOG, [tenant(HAIKU_35, '2026-01-01', 1)]);
    expect(JSON.stringify(DEFAULT_CATALOG.entries)).toBe(before);
  });

  it('a tenant version wins from its effectiveFrom; earlier timestamps keep the old price (property)', () => {
    fc.assert(
      fc.property(arbModel, arbInstant, arbInstant, arbRate, arbRate, (modelId, from, at, input, output) => {
        const merged = mergeCatalog(DEFAULT_CATALOG, [tenant(modelId, iso(from), input, output)]);
        const ours = priceUsage({ modelId, usage: USAGE, at: iso(at) }, merged);
        const base = priceUsage({ modelId, usage: USAGE, at: iso(at) });
        if (at >= from) {
          expect(ours.costNano).toBe(input + output);
          expect(ours.priceVersion).toBe(`${modelId}@${iso(from)}#tenant`);
        } else {
          expect(ours).toEqual(base);
        }
      }),
    );
  });

  it('among versions of one kind, the later-added wins at an equal effectiveFrom (property)', () => {
    fc.assert(
      fc.property(arbModel, arbInstant, arbRate, arbRate, (modelId, from, first, second) => {
        const merged = mergeCatalog(DEFAULT_CATALOG, [
          tenant(modelId, iso(from), first),
          tenant(modelId, iso(from), second),
        ]);
        expect(priceUsage({ modelId, usage: USAGE, at: iso(from) }, merged).costNano).toBe(2 * second);
      }),
    );
  });

  it('keeps a tenant price in force over later catalog versions', () => {
    const merged = mergeCatalog(DEFAULT_CATALOG, [tenant(HAIKU_35, '2024-01-01', 700_000_000)]);
    const at = '2026-06-01T00:00:00Z';
    expect(priceUsage({ modelId: HAIKU_35, usage: USAGE, at }, merged).costNano).toBe(1_400_000_000);
  });

  it('interleaves sync versions with the catalog by date', () => {
    const sync: AddedPriceVersion = {
      modelId: `us.${HAIKU_35}`,
      effectiveFrom: '2024-11-20',
      source: 'sync',
      note: 'a price sync',
      rates: flat(900_000_000, 4_500_000_000),
    };
    const merged = mergeCatalog(DEFAULT_CATALOG, [sync]);
    const model = resolveModel(HAIKU_35, merged).model;
    expect(model.prices.map((p) => [p.effectiveFrom, p.source])).toEqual([
      ['2024-11-04', 'catalog'],
      ['2024-11-20', 'sync'],
      ['2024-12-02', 'catalog'],
    ]);
    expect(model.prices[1]?.note).toBe('a price sync');
    const cost = (at: string) => priceUsage({ modelId: HAIKU_35, usage: USAGE, at }, merged).costNano;
    expect(cost('2024-11-19T23:59:59Z')).toBe(6_000_000_000);
    expect(cost('2024-11-20T00:00:00Z')).toBe(5_400_000_000);
    expect(cost('2024-12-02T00:00:00Z')).toBe(4_800_000_000);
  });

  it('adds a model the catalog lacks, priced from its first version on, under every spelling', () => {
    const merged = mergeCatalog(DEFAULT_CATALOG, [
      { ...tenant('us.example.new-model-v1:0', '2026-11-01T00:00:00Z', 2_000_000_000), note: 'negotiated' },
      {
        modelId: 'arn:aws:bedrock:us-east-1::foundation-model/example.new-model-v1:0',
        effectiveFrom: '2026-12-01',
        source: 'tenant',
        rates: flat(1_000_000_000, 1_000_000_000),
        globalRates: flat(500_000_000, 500_000_000),
        longContext: { aboveInputTokens: 1_000_000, rates: flat(3_000_000_000, 3_000_000_000) },
      },
    ]);
    expect(listModels(merged)).toHaveLength(CATALOG.length + 1);
    const entry = resolveModel('example.new-model-v1:0', merged).model;
    expect([entry.modelId, entry.provider, entry.name]).toEqual([
      'example.new-model-v1:0',
      'example',
      'example.new-model-v1:0',
    ]);
    expect(entry.prices.map((p) => p.note)).toEqual(['negotiated', 'tenant price']);
    const price = (modelId: string, at: string) => priceUsage({ modelId, usage: USAGE, at }, merged).costNano;
    expect(() => price('example.new-model-v1:0', '2026-10-31T23:59:59Z')).toThrow(UnknownModelError);
    expect(price('us.example.new-model-v1:0', '2026-11-01T00:00:00Z')).toBe(4_000_000_000);
    expect(price('global.example.new-model-v1:0', '2026-12-01T00:00:00Z')).toBe(1_000_000_000);
    expect(price('example.new-model-v1:0', '2026-12-01T00:00:00Z')).toBe(2_000_000_000);
    const long = priceUsage(
      {
        modelId: 'example.new-model-v1:0',
        usage: { inputTokens: 2_000_000, outputTokens: 0 },
        at: '2026-12-02',
      },
      merged,
    );
    expect([long.costNano, long.longContext]).toEqual([6_000_000_000, true]);
    expect(() => resolveModel('example.new-model-v1:0')).toThrow(UnknownModelError);
  });

  it('joins versions for a new model given with and without its trailing revision', () => {
    const merged = mergeCatalog(DEFAULT_CATALOG, [
      tenant('example.x-v1', '2026-01-01', 1),
      tenant('us.example.x-v1:0', '2026-02-01', 2),
    ]);
    expect(listModels(merged)).toHaveLength(CATALOG.length + 1);
    expect(resolveModel('example.x-v1', merged).model.prices.map((p) => p.version)).toEqual([
      'example.x-v1@2026-01-01#tenant',
      'example.x-v1@2026-02-01#tenant',
    ]);
  });

  it('lets an estimate price with the merged catalog', () => {
    const merged = mergeCatalog(DEFAULT_CATALOG, [tenant('example.other-v1:0', '2026-01-01', 1_000_000_000)]);
    const result = estimateWorkload(
      {
        modelId: 'example.other-v1:0',
        days: 1,
        operations: [{ name: 'op', inputTokens: 1000, outputTokens: 1000, perDay: 1 }],
      },
      '2026-11-30T00:00:00Z',
      merged,
    );
    expect(result.totals.llmCostNano).toBe(2_000_000);
  });

  it('refuses an id that is not a Bedrock id, and a malformed effectiveFrom', () => {
    expect(() => mergeCatalog(DEFAULT_CATALOG, [tenant('gpt 4', '2026-01-01', 1)])).toThrow(ValidationError);
    expect(() => mergeCatalog(DEFAULT_CATALOG, [tenant(HAIKU_35, 'tomorrow', 1)])).toThrow(ValidationError);
  });
});
