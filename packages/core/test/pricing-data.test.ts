import { describe, expect, it } from 'vitest';
import { convertGenaiPrices, type GenaiModel } from '../src/pricing/genai-prices-import.js';
import {
  bedrockIdOfGenaiId,
  parseBedrockModelId,
  priceUsage,
  tryResolveModel,
} from '../src/pricing/index.js';

function provider(...models: GenaiModel[]) {
  return { id: 'aws', models };
}

const FLAT = { input_mtok: 1, output_mtok: 2 };

describe('convertGenaiPrices', () => {
  it('converts decimal prices exactly to nano-USD per MTok, without float multiplication', () => {
    const data = convertGenaiPrices(
      provider({
        id: 'amazon.example-v1:0',
        name: 'Example',
        match: { contains: 'amazon.example' },
        prices: { input_mtok: 0.00875, output_mtok: 0.1, cache_read_mtok: 0.3 },
      }),
    );
    expect(data.source).toBe("genai-prices provider 'aws'");
    expect(data.models[0]).toEqual({
      modelId: 'amazon.example-v1:0',
      name: 'Example',
      genaiPricesIds: ['amazon.example-v1:0'],
      spellings: ['amazon.example'],
      aliases: [],
      unpricedKeys: [],
      versions: [
        {
          effectiveFrom: null,
          rates: {
            inputNanoPerMTok: 8_750_000,
            outputNanoPerMTok: 100_000_000,
            cacheReadNanoPerMTok: 300_000_000,
            // No cache-write price: genai-prices bills written tokens as input.
            cacheWriteNanoPerMTok: 8_750_000,
          },
        },
      ],
    });
  });

  it('bills a missing cache-read price at the input rate, a missing output price at 0, keeps 1-hour writes', () => {
    const [model] = convertGenaiPrices(
      provider({
        id: 'amazon.embed-v1',
        match: { equals: 'amazon.embed-v1' },
        prices: { input_mtok: 0.1, cache_write_mtok: 0.125, cache_write_1h_mtok: 0.2, input_audio_mtok: 3 },
      }),
    ).models;
    expect(model?.name).toBeNull();
    expect(model?.unpricedKeys).toEqual(['input_audio_mtok']);
    expect(model?.versions[0]?.rates).toEqual({
      inputNanoPerMTok: 100_000_000,
      outputNanoPerMTok: 0,
      cacheReadNanoPerMTok: 100_000_000,
      cacheWriteNanoPerMTok: 125_000_000,
      cacheWrite1hNanoPerMTok: 200_000_000,
    });
  });

  it('merges global and regional halves, dated versions and long-context tiers', () => {
    const data = convertGenaiPrices(
      provider(
        {
          id: 'global.vendor.model-v1:0',
          match: { or: [{ ends_with: 'global.vendor.model' }, { regex: 'x' }] },
          prices: [
            { prices: { input_mtok: { base: 1, tiers: [{ start: 1000, price: 2 }] }, output_mtok: 3 } },
            {
              constraint: { type: 'start_date', start_date: '2026-02-01' },
              prices: { input_mtok: { base: 0.5, tiers: [{ start: 1000, price: 1 }] }, output_mtok: 3 },
            },
          ],
        },
        {
          id: 'regional.vendor.model-v1:0',
          match: {
            and: [{ starts_with: 'vendor.model' }, { contains: 'us.vendor.model' }, { equals: 'model-name' }],
          },
          prices: [
            { prices: { input_mtok: 1.1, output_mtok: 3.3 } },
            { constraint: { start_date: '2026-01-01' }, prices: { input_mtok: 0.55, output_mtok: 3.3 } },
          ],
        },
      ),
    );
    const [model] = data.models;
    expect(model?.modelId).toBe('vendor.model-v1:0');
    expect(model?.spellings).toEqual(['vendor.model']);
    expect(model?.aliases).toEqual(['model-name']);
    expect(model?.versions.map((v) => v.effectiveFrom)).toEqual([null, '2026-01-01', '2026-02-01']);
    const last = model?.versions[2];
    expect(last?.rates.inputNanoPerMTok).toBe(550_000_000);
    expect(last?.globalRates?.inputNanoPerMTok).toBe(500_000_000);
    // The regional side has no tier: its long-context rates are its standard rates.
    expect(last?.longContext?.aboveInputTokens).toBe(1000);
    expect(last?.longContext?.rates).toEqual(last?.rates);
    expect(last?.longContext?.globalRates?.inputNanoPerMTok).toBe(1_000_000_000);
  });

  it('omits global rates equal to the regional ones, and a global tier equal to the regional tier', () => {
    const tiered = { input_mtok: { base: 1, tiers: [{ start: 10, price: 2 }] }, output_mtok: 1 };
    const [model] = convertGenaiPrices(
      provider(
        { id: 'global.v.m', match: { equals: 'global.v.m' }, prices: tiered },
        { id: 'regional.v.m', match: { equals: 'v.m' }, prices: tiered },
      ),
    ).models;
    expect(model?.versions[0]?.globalRates).toBeUndefined();
    expect(model?.versions[0]?.longContext?.globalRates).toBeUndefined();
  });

  it('starts with the first dated version when no price is unconstrained', () => {
    const [model] = convertGenaiPrices(
      provider({
        id: 'v.m',
        match: { equals: 'v.m' },
        prices: [{ constraint: { type: 'start_date', start_date: '2026-03-01' }, prices: FLAT }],
      }),
    ).models;
    expect(model?.versions.map((v) => v.effectiveFrom)).toEqual(['2026-03-01']);
  });

  it.each([
    ['no input price', { output_mtok: 1 }, 'no input_mtok price'],
    [
      'more than one tier',
      {
        input_mtok: {
          base: 1,
          tiers: [
            { start: 1, price: 2 },
            { start: 2, price: 3 },
          ],
        },
      },
      'other than one tier',
    ],
    [
      'tiers starting apart',
      {
        input_mtok: { base: 1, tiers: [{ start: 1, price: 2 }] },
        output_mtok: { base: 1, tiers: [{ start: 2, price: 2 }] },
      },
      'different token counts',
    ],
  ])('skips a model with %s, naming the reason', (_label, prices, reason) => {
    const data = convertGenaiPrices(provider({ id: 'v.m', match: { equals: 'v.m' }, prices }));
    expect(data.models).toEqual([]);
    expect(data.skipped).toEqual([{ id: 'v.m', reason: expect.stringContaining(reason) }]);
  });

  it('skips time-of-day prices, start dates that are not days, global-only models, tiers apart', () => {
    const data = convertGenaiPrices(
      provider(
        {
          id: 'a.night',
          match: { equals: 'a.night' },
          prices: [{ prices: FLAT }, { constraint: { type: 'time_of_date' }, prices: FLAT }],
        },
        {
          id: 'a.instant',
          match: { equals: 'a.instant' },
          prices: [{ constraint: { type: 'start_date', start_date: '2026-01-01T10:00:00Z' }, prices: FLAT }],
        },
        { id: 'global.a.only', match: { equals: 'global.a.only' }, prices: FLAT },
        {
          id: 'global.a.tier',
          match: { equals: 'global.a.tier' },
          prices: { input_mtok: { base: 1, tiers: [{ start: 5, price: 2 }] } },
        },
        {
          id: 'regional.a.tier',
          match: { equals: 'a.tier' },
          prices: { input_mtok: { base: 1, tiers: [{ start: 6, price: 2 }] } },
        },
      ),
    );
    expect(data.models).toEqual([]);
    expect(data.skipped.map((s) => s.id)).toEqual(['a.instant', 'a.night', 'a.only', 'a.tier']);
    const negative = convertGenaiPrices(
      provider({ id: 'v.m', match: { equals: 'v.m' }, prices: { input_mtok: -1 } }),
    );
    expect(negative.skipped[0]?.reason).toMatch(/not a non-negative number/);
  });

  it('maps genai-prices ids to Bedrock ids', () => {
    expect(bedrockIdOfGenaiId('global.anthropic.claude-opus-4-6-v1:0')).toBe(
      'anthropic.claude-opus-4-6-v1:0',
    );
    expect(bedrockIdOfGenaiId('regional.openai.gpt-5.6-sol')).toBe('openai.gpt-5.6-sol');
    expect(bedrockIdOfGenaiId('deepseek.r1-v1:0')).toBe('deepseek.r1-v1:0');
  });
});

describe('parseBedrockModelId', () => {
  it.each([
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'in-region'],
    ['cohere.command-r-plus-v1:0', 'cohere.command-r-plus-v1:0', 'in-region'],
    ['us.example.new-model-v1:0', 'example.new-model-v1:0', 'geo'],
    ['us-gov.example.new-model', 'example.new-model', 'geo'],
    ['GLOBAL.example.new-model', 'example.new-model', 'global'],
    [
      'arn:aws:bedrock:us-east-1::foundation-model/example.new-model-v2:0',
      'example.new-model-v2:0',
      'in-region',
    ],
    [
      'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.example.new-model-v1:0',
      'example.new-model-v1:0',
      'geo',
    ],
  ])('accepts %s as %s (%s)', (id, canonicalId, scope) => {
    expect(parseBedrockModelId(id)).toEqual({ canonicalId, scope });
  });

  it.each([
    ['an empty id', ''],
    ['a name without vendor', 'gpt-4o'],
    ['a space', 'anthropic.claude 3'],
    ['a profile prefix with nothing after it', 'us.'],
    ['an over-long id', `vendor.${'x'.repeat(300)}`],
    ['a foundation-model ARN with an account', 'arn:aws:bedrock:us-east-1:123456789012:foundation-model/a.b'],
    ['an inference-profile ARN without account', 'arn:aws:bedrock:us-east-1::inference-profile/us.a.b'],
    [
      'an inference-profile ARN without a profile prefix',
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/a.b',
    ],
    [
      'an application inference profile',
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123',
    ],
    ['another service', 'arn:aws:s3:::bucket/a.b'],
    ['a non-string', 42 as unknown as string],
  ])('refuses %s', (_label, id) => {
    expect(parseBedrockModelId(id)).toBeNull();
  });
});

describe('resolution of the ids callers use today', () => {
  const at = '2026-11-30T12:00:00Z';
  const usage = { inputTokens: 1000, outputTokens: 500 };

  it.each([
    ['global.anthropic.claude-sonnet-4-6', 'anthropic.claude-sonnet-4-6-v1:0', 'global', 10_500_000],
    ['us.anthropic.claude-sonnet-4-6', 'anthropic.claude-sonnet-4-6-v1:0', 'geo', 11_550_000],
    ['global.anthropic.claude-opus-4-6-v1', 'anthropic.claude-opus-4-6-v1:0', 'global', 17_500_000],
    ['eu.anthropic.claude-opus-4-6-v1:0', 'anthropic.claude-opus-4-6-v1:0', 'geo', 19_250_000],
    ['global.anthropic.claude-sonnet-5', 'anthropic.claude-sonnet-5-v1:0', 'global', 7_000_000],
    ['anthropic.claude-opus-5-v1:0', 'anthropic.claude-opus-5', 'in-region', 19_250_000],
    ['global.amazon.nova-2-lite-v1:0', 'amazon.nova-2-lite-v1:0', 'global', 1_550_000],
    ['us.amazon.nova-2-lite-v1:0', 'amazon.nova-2-lite-v1:0', 'geo', 1_705_000],
    ['openai.gpt-oss-120b-1:0', 'openai.gpt-oss-120b-1:0', 'in-region', 450_000],
    ['us.deepseek.r1-v1:0', 'deepseek.r1-v1:0', 'geo', 4_050_000],
    ['qwen.qwen3-32b-v1:0', 'qwen.qwen3-32b-v1:0', 'in-region', 450_000],
    ['in.openai.gpt-5.6-luna', 'openai.gpt-5.6-luna', 'geo', 880_000],
    [
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-opus-4-6-v1',
      'anthropic.claude-opus-4-6-v1:0',
      'global',
      17_500_000,
    ],
  ])('prices %s', (id, modelId, scope, costNano) => {
    expect(tryResolveModel(id)?.model.modelId).toBe(modelId);
    const priced = priceUsage({ modelId: id, usage, at });
    expect([priced.modelId, priced.scope, priced.costNano]).toEqual([modelId, scope, costNano]);
  });

  it('prices 1-hour cache writes at their own rate where listed, else at the cache-write rate', () => {
    const opus55 = priceUsage({
      modelId: 'global.anthropic.claude-opus-5-5',
      usage: {
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteInputTokens: 3_000,
        cacheWrite1hInputTokens: 1_000,
      },
      at,
    });
    // 2,000 tokens at USD 5 and 1,000 at USD 8 per MTok.
    expect(opus55.breakdown.cacheWriteNano).toBe(10_000_000 + 8_000_000);
    const sonnet = priceUsage({
      modelId: 'global.anthropic.claude-sonnet-4-6',
      usage: {
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteInputTokens: 3_000,
        cacheWrite1hInputTokens: 1_000,
      },
      at,
    });
    expect(sonnet.breakdown.cacheWriteNano).toBe(3_000 * 3_750);
  });

  it('refuses more 1-hour cache writes than cache writes', () => {
    expect(() =>
      priceUsage({
        modelId: 'global.anthropic.claude-opus-5-5',
        usage: { inputTokens: 0, outputTokens: 0, cacheWriteInputTokens: 1, cacheWrite1hInputTokens: 2 },
        at,
      }),
    ).toThrow(/cacheWrite1hInputTokens/);
  });
});
