import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnknownModelError } from '../src/errors.js';
import { costOfTokens } from '../src/money.js';
import { parseInstantOrDay as parseInstant } from '../src/periods.js';
import { CATALOG, priceAt, priceUsage, resolveModel, versionAt } from '../src/pricing/index.js';
import type { ModelEntry, TokenUsage } from '../src/pricing/types.js';
import { validationPath } from './support/validation.js';

const AT = '2026-11-23T10:00:00Z';
const SONNET_35 = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const SONNET_4 = 'anthropic.claude-sonnet-4-20250514-v1:0';
const SONNET_45 = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU_35 = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function cost(modelId: string, usage: TokenUsage, at = AT) {
  return priceUsage({ modelId, usage, at });
}

describe('priceUsage', () => {
  it('prices 1,000 input + 500 output on Claude 3.5 Sonnet at 0.0105 USD', () => {
    expect(cost(SONNET_35, { inputTokens: 1_000, outputTokens: 500 })).toEqual({
      modelId: SONNET_35,
      scope: 'in-region',
      costNano: 10_500_000,
      breakdown: { inputNano: 3_000_000, outputNano: 7_500_000, cacheReadNano: 0, cacheWriteNano: 0 },
      priceVersion: 'anthropic.claude-3-5-sonnet-20240620-v1:0@2024-06-20',
      longContext: false,
    });
  });

  it('reports the canonical id for a profile id and accepts explicit zero cache counts', () => {
    const priced = cost(`us.${SONNET_35}`, {
      inputTokens: 1_000,
      outputTokens: 500,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
    });
    expect([priced.modelId, priced.scope, priced.costNano]).toEqual([SONNET_35, 'geo', 10_500_000]);
  });

  it('prices cache reads and writes apart from input, at their own rates', () => {
    const priced = cost(SONNET_4, {
      inputTokens: 2_000,
      outputTokens: 1_000,
      cacheReadInputTokens: 10_000,
      cacheWriteInputTokens: 4_000,
    });
    expect(priced.breakdown).toEqual({
      inputNano: 6_000_000, // 2,000 x 3 USD/MTok
      outputNano: 15_000_000, // 1,000 x 15
      cacheReadNano: 3_000_000, // 10,000 x 0.30
      cacheWriteNano: 15_000_000, // 4,000 x 3.75
    });
    expect(priced.costNano).toBe(39_000_000);
  });

  it('rounds each part once, half to even', () => {
    // Nova Micro per token: input 35 nano, output 140, cache read 8.75, cache write 35.
    const micro = (cacheReadInputTokens: number) =>
      cost('amazon.nova-micro-v1:0', { inputTokens: 1, outputTokens: 3, cacheReadInputTokens }).breakdown;
    expect(micro(1)).toEqual({ inputNano: 35, outputNano: 420, cacheReadNano: 9, cacheWriteNano: 0 }); // 8.75 -> 9
    expect(micro(2).cacheReadNano).toBe(18); // 17.5 -> 18 (even)
    expect(micro(6).cacheReadNano).toBe(52); // 52.5 -> 52 (even)
    expect(
      cost('amazon.nova-micro-v1:0', { inputTokens: 1, outputTokens: 3, cacheReadInputTokens: 6 }).costNano,
    ).toBe(35 + 420 + 52);
  });

  it('makes costNano exactly the sum of its parts, each part costOfTokens of its own count', () => {
    const cached = CATALOG.filter((m) => m.prices.at(-1)?.rates.cacheReadNanoPerMTok !== null);
    const count = fc.integer({ min: 0, max: 150_000 });
    const prefix = fc.constantFrom('', 'us.', 'global.');
    fc.assert(
      fc.property(fc.constantFrom(...cached), prefix, count, count, count, count, (model, p, i, o, r, w) => {
        const priced = cost(`${p}${model.modelId}`, {
          inputTokens: i,
          outputTokens: o,
          cacheReadInputTokens: r,
          cacheWriteInputTokens: w,
        });
        const price = priceAt(model, AT, priced.scope);
        const long = price.longContext !== null && i + r + w > price.longContext.aboveInputTokens;
        const rates = long && price.longContext ? price.longContext.rates : price.rates;
        const b = priced.breakdown;
        return (
          priced.longContext === long &&
          priced.costNano === b.inputNano + b.outputNano + b.cacheReadNano + b.cacheWriteNano &&
          b.inputNano === costOfTokens(i, rates.inputNanoPerMTok) &&
          b.outputNano === costOfTokens(o, rates.outputNanoPerMTok) &&
          b.cacheReadNano === costOfTokens(r, rates.cacheReadNanoPerMTok ?? -1) &&
          b.cacheWriteNano === costOfTokens(w, rates.cacheWriteNanoPerMTok ?? -1)
        );
      }),
    );
  });

  it('never charges a token twice: reading input from the cache never costs more than sending it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (plain, cached) => {
          const all = cost(SONNET_4, { inputTokens: plain + cached, outputTokens: 0 }).costNano;
          const split = cost(SONNET_4, { inputTokens: plain, outputTokens: 0, cacheReadInputTokens: cached });
          return split.costNano <= all && split.breakdown.inputNano === costOfTokens(plain, 3_000_000_000);
        },
      ),
    );
  });

  describe('price versions', () => {
    it('uses the version in force at the timestamp', () => {
      const usage = { inputTokens: 1_000_000, outputTokens: 0 };
      const before = cost(HAIKU_35, usage, '2024-12-01T23:59:59.999Z');
      const from = cost(HAIKU_35, usage, '2024-12-02T00:00:00Z');
      expect([before.costNano, before.priceVersion]).toEqual([1_000_000_000, `${HAIKU_35}@2024-11-04`]);
      expect([from.costNano, from.priceVersion]).toEqual([800_000_000, `${HAIKU_35}@2024-12-02`]);
      expect(cost(HAIKU_35, usage, '2026-01-01').priceVersion).toBe(`${HAIKU_35}@2024-12-02`);
    });

    it('honours the zone offset of the timestamp', () => {
      const usage = { inputTokens: 1_000_000, outputTokens: 0 };
      // 00:30 at +01:00 is still 1 December in UTC.
      expect(cost(HAIKU_35, usage, '2024-12-02T00:30:00+01:00').costNano).toBe(1_000_000_000);
      expect(cost(HAIKU_35, usage, '2024-12-01T23:30:00-01:00').costNano).toBe(800_000_000);
    });

    it('uses the first version for a timestamp before the catalog history of the model', () => {
      const priced = cost(HAIKU_35, { inputTokens: 1_000, outputTokens: 0 }, '2020-01-01T00:00:00Z');
      expect(priced.priceVersion).toBe(`${HAIKU_35}@2024-11-04`);
      expect(priced.costNano).toBe(1_000_000);
    });

    it('refuses cache tokens under a version without prompt caching', () => {
      const usage = { inputTokens: 10, outputTokens: 0, cacheReadInputTokens: 5 };
      expect(validationPath(() => cost(HAIKU_35, usage, '2024-11-20T00:00:00Z'))).toBe(
        'cacheReadInputTokens',
      );
      expect(cost(HAIKU_35, usage, '2024-12-20T00:00:00Z').breakdown.cacheReadNano).toBe(400); // 5 x 80 nano
    });

    it('versionAt needs at least one version', () => {
      const empty: ModelEntry = { ...CATALOG[0]!, prices: [] };
      expect(() => versionAt(empty, 0)).toThrow(UnknownModelError);
    });
  });

  describe('scope premium', () => {
    // 200k input in all: the standard tier still applies.
    const usage = { inputTokens: 100_000, outputTokens: 100_000, cacheReadInputTokens: 100_000 };

    it('charges geo and in-region calls 10 % above global for Sonnet 4.5', () => {
      expect(cost(`global.${SONNET_45}`, usage).costNano).toBe(300_000_000 + 1_500_000_000 + 30_000_000);
      expect(cost(`us.${SONNET_45}`, usage).costNano).toBe(330_000_000 + 1_650_000_000 + 33_000_000);
      expect(cost(SONNET_45, usage).costNano).toBe(2_013_000_000);
      expect(cost(`arn:aws:bedrock:eu-west-1::foundation-model/${SONNET_45}`, usage).scope).toBe('in-region');
    });

    it('charges Opus 4.5 and Haiku 4.5 10 % more outside the global profile', () => {
      const small = { inputTokens: 1_000, outputTokens: 1_000 };
      expect(cost('global.anthropic.claude-opus-4-5-20251101-v1:0', small).costNano).toBe(30_000_000);
      expect(cost('jp.anthropic.claude-opus-4-5-20251101-v1:0', small).costNano).toBe(33_000_000);
      expect(cost('global.anthropic.claude-haiku-4-5-20251001-v1:0', small).costNano).toBe(6_000_000);
      expect(cost('au.anthropic.claude-haiku-4-5-20251001-v1:0', small).costNano).toBe(6_600_000);
    });

    it('charges the same on every profile for models without a premium', () => {
      const global = cost(`global.${SONNET_4}`, usage).costNano;
      expect(cost(`eu.${SONNET_4}`, usage).costNano).toBe(global);
      expect(cost(SONNET_4, usage).costNano).toBe(global);
    });

    it('never makes a geo call cheaper than the global one', () => {
      const premium = CATALOG.filter((m) => m.prices.some((v) => v.globalRates));
      const count = fc.integer({ min: 0, max: 300_000 });
      fc.assert(
        fc.property(fc.constantFrom(...premium), count, count, count, (model, i, o, r) => {
          const u = { inputTokens: i, outputTokens: o, cacheReadInputTokens: r };
          return cost(`eu.${model.modelId}`, u).costNano >= cost(`global.${model.modelId}`, u).costNano;
        }),
      );
    });
  });

  describe('long-context tier', () => {
    it('keeps standard rates at exactly 200k input tokens', () => {
      const priced = cost(SONNET_4, { inputTokens: 200_000, outputTokens: 1_000 });
      expect(priced.longContext).toBe(false);
      expect(priced.breakdown.inputNano).toBe(600_000_000);
    });

    it('bills the whole request at long-context rates above 200k input tokens', () => {
      const priced = cost(SONNET_4, { inputTokens: 200_001, outputTokens: 1_000 });
      expect(priced.longContext).toBe(true);
      expect(priced.breakdown).toEqual({
        inputNano: 1_200_006_000, // 200,001 x 6 USD/MTok
        outputNano: 22_500_000, // 1,000 x 22.50
        cacheReadNano: 0,
        cacheWriteNano: 0,
      });
    });

    it('counts cached input towards the threshold', () => {
      const priced = cost(SONNET_4, {
        inputTokens: 100_000,
        outputTokens: 0,
        cacheReadInputTokens: 50_000,
        cacheWriteInputTokens: 50_001,
      });
      expect(priced.longContext).toBe(true);
      expect(priced.breakdown).toEqual({
        inputNano: 600_000_000, // 100,000 x 6
        outputNano: 0,
        cacheReadNano: 30_000_000, // 50,000 x 0.60
        cacheWriteNano: 375_007_500, // 50,001 x 7.50
      });
    });

    it('applies the scope premium to long-context rates as well', () => {
      const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
      expect(cost(`global.${SONNET_45}`, usage).costNano).toBe(6_000_000_000 + 22_500_000_000);
      expect(cost(`us.${SONNET_45}`, usage).costNano).toBe(6_600_000_000 + 24_750_000_000);
    });

    it('has no tier for other models, however long the input', () => {
      const priced = cost(SONNET_35, { inputTokens: 1_000_000, outputTokens: 0 });
      expect([priced.longContext, priced.costNano]).toEqual([false, 3_000_000_000]);
    });
  });

  describe('validation', () => {
    it.each([
      ['inputTokens', { inputTokens: -1, outputTokens: 0 }],
      ['inputTokens', { inputTokens: 1.5, outputTokens: 0 }],
      ['outputTokens', { inputTokens: 0, outputTokens: Number.NaN }],
      ['outputTokens', { inputTokens: 0, outputTokens: 2 ** 53 }],
      ['cacheReadInputTokens', { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: -3 }],
      ['cacheWriteInputTokens', { inputTokens: 0, outputTokens: 0, cacheWriteInputTokens: 0.1 }],
    ])('names %s when a count is not a non-negative integer', (path, usage) => {
      expect(validationPath(() => cost(SONNET_4, usage as TokenUsage))).toBe(path);
    });

    it.each([
      ['cacheReadInputTokens', { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 1 }],
      ['cacheWriteInputTokens', { inputTokens: 1, outputTokens: 1, cacheWriteInputTokens: 1 }],
    ])('names %s when the model has no prompt caching', (path, usage) => {
      for (const modelId of [
        SONNET_35,
        'meta.llama3-1-70b-instruct-v1:0',
        'mistral.mistral-large-2407-v1:0',
      ]) {
        expect(validationPath(() => cost(modelId, usage))).toBe(path);
      }
      expect(() => cost(SONNET_35, usage)).toThrow(/has no prompt caching/);
    });

    it('throws UnknownModelError for a model outside the catalog', () => {
      expect(() => cost('openai.gpt-4o', { inputTokens: 1, outputTokens: 1 })).toThrow(UnknownModelError);
    });

    it.each([
      'yesterday',
      '2026-11-23T10:00:00',
      '2026-11-23 10:00:00Z',
      '2026-13-45T00:00:00Z',
      '23.11.2026',
      '',
    ])('rejects the timestamp %j', (at) => {
      expect(validationPath(() => cost(SONNET_4, { inputTokens: 1, outputTokens: 1 }, at))).toBe('at');
    });

    it('parses timestamps to epoch milliseconds, a bare date as midnight UTC', () => {
      expect(parseInstant('2026-11-23')).toBe(Date.UTC(2026, 10, 23));
      expect(parseInstant('2026-11-23T10:00:00.123Z')).toBe(Date.UTC(2026, 10, 23, 10, 0, 0, 123));
      expect(parseInstant('2026-11-23T10:00Z')).toBe(Date.UTC(2026, 10, 23, 10));
      expect(validationPath(() => parseInstant('x', 'timestamp'))).toBe('timestamp');
    });
  });
});

describe('priceAt', () => {
  const sonnet4 = resolveModel(SONNET_4).model;
  const sonnet45 = resolveModel(SONNET_45).model;

  it('gives global rates to global calls and regional rates otherwise', () => {
    expect(priceAt(sonnet45, AT, 'global').rates.inputNanoPerMTok).toBe(3_000_000_000);
    expect(priceAt(sonnet45, AT, 'geo').rates.inputNanoPerMTok).toBe(3_300_000_000);
    expect(priceAt(sonnet45, AT, 'in-region').rates.inputNanoPerMTok).toBe(3_300_000_000);
    expect(priceAt(sonnet45, AT, 'global').longContext?.rates.inputNanoPerMTok).toBe(6_000_000_000);
    expect(priceAt(sonnet45, AT, 'geo').longContext?.rates.inputNanoPerMTok).toBe(6_600_000_000);
  });

  it('falls back to the standard lists where a model has no global ones', () => {
    const global = priceAt(sonnet4, AT, 'global');
    expect(global).toEqual({
      modelId: SONNET_4,
      scope: 'global',
      version: `${SONNET_4}@2025-05-22`,
      effectiveFrom: '2025-05-22',
      rates: sonnet4.prices[0]!.rates,
      longContext: { aboveInputTokens: 200_000, rates: sonnet4.prices[0]!.longContext!.rates },
    });
    expect(priceAt(resolveModel(SONNET_35).model, AT, 'global').longContext).toBeNull();
  });
});
