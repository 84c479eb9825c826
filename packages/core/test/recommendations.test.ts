import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.js';
import {
  type ModelUsage,
  type Pricer,
  type RecommendInput,
  recommend,
  type TokenCounts,
} from '../src/recommendations.js';

/** Nano-USD per token: input, output, cache read, cache write. */
type Rates = [number, number, number, number];

const RATES: Record<string, Rates> = {
  big: [3_000, 15_000, 300, 3_750], // $3 / $15 / $0.30 / $3.75 per MTok
  small: [250, 1_250, 25, 300],
  'big-twin': [3_000, 15_000, 300, 3_750],
  'no-cache-discount': [1_000, 5_000, 1_000, 1_000],
  'mid-input': [1_650, 15_000, 300, 3_750],
};

const pricer: Pricer = (modelId, u) => {
  const r = RATES[modelId];
  if (!r) throw new Error(`unknown model ${modelId}`);
  return (
    u.inputTokens * r[0] +
    u.outputTokens * r[1] +
    u.cacheReadInputTokens * r[2] +
    u.cacheWriteInputTokens * r[3]
  );
};

function usage(
  modelId: string,
  requests: number,
  tokens: Partial<TokenCounts>,
  costNano?: number,
): ModelUsage {
  const t: TokenCounts = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    ...tokens,
  };
  return { modelId, requests, ...t, costNano: costNano ?? pricer(modelId, t) };
}

function input(partial: Partial<RecommendInput>): RecommendInput {
  return {
    byModel: [],
    windowDays: 30,
    pricer,
    cheaperAlternatives: {},
    cachingSupported: () => false,
    batchSupported: () => false,
    ...partial,
  };
}

describe('recommend: model_downgrade', () => {
  // 1,000 requests, 1M input + 100k output on big: 3.0 + 1.5 = $4.50; on small: 0.25 + 0.125 = $0.375.
  const big = usage('big', 1_000, { inputTokens: 1_000_000, outputTokens: 100_000 });

  it('saves the difference between actual cost and the same tokens on the alternative', () => {
    expect(big.costNano).toBe(4_500_000_000);
    const items = recommend(input({ byModel: [big], cheaperAlternatives: { big: 'small' } }));
    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item).toMatchObject({
      type: 'model_downgrade',
      modelId: 'big',
      estimatedMonthlySavingsNano: 4_125_000_000,
      confidence: 0.6,
    });
    expect(item?.title).toContain('small');
    expect(item?.description).toContain('92 % less');
    expect(item?.description).toContain('$4.13 a month');
    expect(item?.description).toMatch(/quality/);
    expect(item?.description).toMatch(/moderate/);
  });

  it('scales the window saving to 30 days, half to even, and lowers confidence for short windows', () => {
    const [item] = recommend(input({ byModel: [big], windowDays: 7, cheaperAlternatives: { big: 'small' } }));
    // 4,125,000,000 x 30 / 7 = 17,678,571,428.57…
    expect(item?.estimatedMonthlySavingsNano).toBe(17_678_571_429);
    // 0.6 x (0.5 + 0.5 x 7/14)
    expect(item?.confidence).toBe(0.45);
  });

  it('uses the recorded cost as the actual cost', () => {
    const recorded = { ...big, costNano: 1_000_000_000 };
    const [item] = recommend(input({ byModel: [recorded], cheaperAlternatives: { big: 'small' } }));
    expect(item?.estimatedMonthlySavingsNano).toBe(625_000_000);
  });

  it('says nothing without an alternative, with itself as alternative, or when the alternative is dearer', () => {
    const small = usage('small', 10, { inputTokens: 1_000 });
    expect(recommend(input({ byModel: [big] }))).toEqual([]);
    expect(recommend(input({ byModel: [big], cheaperAlternatives: { big: 'big' } }))).toEqual([]);
    expect(recommend(input({ byModel: [small], cheaperAlternatives: { small: 'big' } }))).toEqual([]);
    expect(recommend(input({ byModel: [small], cheaperAlternatives: { small: 'big-twin' } }))).toEqual([]);
  });

  it('leaves out a saving that rounds to zero over a month', () => {
    // 1 nano saved over a year: 1 x 30 / 365 rounds to 0.
    const tiny = usage('big', 1, { inputTokens: 1 }, 251);
    expect(
      recommend(input({ byModel: [tiny], windowDays: 365, cheaperAlternatives: { big: 'small' } })),
    ).toEqual([]);
  });

  it('writes larger savings with thousands separators, to the cent', () => {
    const huge = usage('big', 1_000, { inputTokens: 1_000_000_000 }); // $3,000 vs $250
    const [item] = recommend(input({ byModel: [huge], cheaperAlternatives: { big: 'small' } }));
    expect(item?.estimatedMonthlySavingsNano).toBe(2_750_000_000_000);
    expect(item?.description).toContain('about $2,750.00 a month');
  });

  it('lets pricer errors for an unknown alternative through', () => {
    expect(() => recommend(input({ byModel: [big], cheaperAlternatives: { big: 'nope' } }))).toThrow(/nope/);
  });
});

describe('recommend: prompt_caching', () => {
  // 100 requests x 5,000 input tokens, none cached. Half of 500k input moved to cache reads:
  // before 500,000 x 3,000 = 1.5e9; after 250,000 x 3,000 + 250,000 x 300 = 825e6.
  const heavy = usage('big', 100, { inputTokens: 500_000, outputTokens: 1_000 });
  const caching = { cachingSupported: (id: string) => id !== 'small' };

  it('estimates the saving of reading half of the input from the cache', () => {
    const items = recommend(input({ byModel: [heavy], windowDays: 15, ...caching }));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      type: 'prompt_caching',
      modelId: 'big',
      estimatedMonthlySavingsNano: 1_350_000_000, // 675e6 x 30 / 15
      confidence: 0.6,
    });
    expect(items[0]?.description).toContain('5000 input tokens');
    expect(items[0]?.description).toContain('$1.35 a month');
    expect(items[0]?.description).toMatch(/cache-write/);
  });

  it('rounds half of an odd token count down', () => {
    // 2,001 input tokens: 1,000 move, 1,001 stay: saved 1,000 x (3,000 - 300).
    const odd = usage('big', 1, { inputTokens: 2_001 });
    const [item] = recommend(input({ byModel: [odd], ...caching }));
    expect(item?.estimatedMonthlySavingsNano).toBe(2_700_000);
  });

  it('counts the whole prompt for the average and stops at a 10 % cache-read share', () => {
    // avg (1,700 + 100 + 200) / 1 = 2,000: exactly the minimum; share 100 / 2,000 = 5 %.
    const atMinimum = usage('big', 1, {
      inputTokens: 1_700,
      cacheReadInputTokens: 100,
      cacheWriteInputTokens: 200,
    });
    expect(recommend(input({ byModel: [atMinimum], ...caching }))[0]?.estimatedMonthlySavingsNano).toBe(
      850 * 2_700,
    );
    const belowMinimum = usage('big', 1, { inputTokens: 1_999 });
    expect(recommend(input({ byModel: [belowMinimum], ...caching }))).toEqual([]);
    // share 200 / 2,000 = 10 %: already caching enough.
    const cachedEnough = usage('big', 1, { inputTokens: 1_800, cacheReadInputTokens: 200 });
    expect(recommend(input({ byModel: [cachedEnough], ...caching }))).toEqual([]);
    const justUnder = usage('big', 1, { inputTokens: 1_801, cacheReadInputTokens: 199 });
    expect(recommend(input({ byModel: [justUnder], ...caching }))).toHaveLength(1);
  });

  it('says nothing for models without caching, without requests, or when reads cost as much as input', () => {
    const small = usage('small', 100, { inputTokens: 500_000 });
    expect(recommend(input({ byModel: [small], ...caching }))).toEqual([]);
    expect(recommend(input({ byModel: [{ ...heavy, requests: 0 }], ...caching }))).toEqual([]);
    const flat = usage('no-cache-discount', 10, { inputTokens: 100_000 });
    expect(recommend(input({ byModel: [flat], ...caching }))).toEqual([]);
  });
});

describe('recommend: output_reduction', () => {
  // 10 requests x 2,000 output tokens: output 20,000 x 15,000 = 300e6, input 1,000 x 3,000 = 3e6.
  const verbose = usage('big', 10, { inputTokens: 1_000, outputTokens: 20_000 });

  it('estimates trimming 20 % of output tokens', () => {
    const items = recommend(input({ byModel: [verbose] }));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      type: 'output_reduction',
      modelId: 'big',
      estimatedMonthlySavingsNano: 60_000_000, // 4,000 tokens x 15,000
      confidence: 0.5,
    });
    expect(items[0]?.description).toContain('average 2000 tokens');
    expect(items[0]?.description).toContain('$0.06 a month');
  });

  it('rounds the trimmed tokens down', () => {
    // 1,001 output tokens: 200 trimmed (200.2 rounded down).
    const one = usage('big', 1, { outputTokens: 1_001 });
    expect(recommend(input({ byModel: [one] }))[0]?.estimatedMonthlySavingsNano).toBe(200 * 15_000);
  });

  it('needs more than 1,000 output tokens per request', () => {
    expect(recommend(input({ byModel: [usage('big', 20, { outputTokens: 20_000 })] }))).toEqual([]);
    expect(recommend(input({ byModel: [{ ...verbose, requests: 0 }] }))).toEqual([]);
  });

  it('needs output to be more than half of the cost', () => {
    // output 300e6 against input 300e6: not more than half.
    const even = usage('big', 10, { inputTokens: 100_000, outputTokens: 20_000 });
    expect(recommend(input({ byModel: [even] }))).toEqual([]);
    const justMore = usage('big', 10, { inputTokens: 99_999, outputTokens: 20_000 });
    expect(recommend(input({ byModel: [justMore] }))[0]?.type).toBe('output_reduction');
  });

  it('leaves it out when trimming does not change the price', () => {
    const flatFee: Pricer = (_id, u) => (u.outputTokens > 0 ? 1_000 : 0);
    expect(recommend(input({ byModel: [verbose], pricer: flatFee }))).toEqual([]);
  });
});

describe('recommend: batch_inference', () => {
  const a = usage('big', 1_000, { inputTokens: 1_000_000, outputTokens: 100_000 }); // $4.50
  const b = usage('small', 1_000, { inputTokens: 1_000_000 }); // $0.25

  it('saves 50 % on the assumed 30 % batchable share of supported models', () => {
    const items = recommend(input({ byModel: [a, b], batchSupported: () => true }));
    expect(items).toHaveLength(1);
    // (4.5e9 + 0.25e9) x 0.3 x 0.5
    expect(items[0]).toMatchObject({ type: 'batch_inference', estimatedMonthlySavingsNano: 712_500_000 });
    expect(items[0]?.confidence).toBe(0.4);
    expect(items[0]).not.toHaveProperty('modelId');
    expect(items[0]?.description).not.toContain('Candidates');
  });

  it('counts only supported models and rounds once over the window', () => {
    const items = recommend(
      input({ byModel: [a, b], windowDays: 7, batchSupported: (id) => id === 'small' }),
    );
    // 250,000,000 x 30 x 0.15 / 7 = 160,714,285.71…
    expect(items.map((i) => i.estimatedMonthlySavingsNano)).toEqual([160_714_286]);
  });

  it('treats every model as supported when no predicate is given', () => {
    const { batchSupported: _omit, ...rest } = input({ byModel: [a] });
    expect(recommend(rest)).toMatchObject([
      { type: 'batch_inference', estimatedMonthlySavingsNano: 675_000_000 },
    ]);
  });

  it('names the three most expensive operations', () => {
    const [item] = recommend(
      input({
        byModel: [a],
        batchSupported: () => true,
        byOperation: [
          { operation: 'chat', requests: 1, costNano: 10 },
          { operation: 'reports', requests: 1, costNano: 400 },
          { operation: 'tagging', requests: 1, costNano: 300 },
          { operation: 'eval', requests: 1, costNano: 200 },
        ],
      }),
    );
    expect(item?.description).toContain('Candidates: reports, tagging, eval.');
    expect(item?.description).not.toContain('chat');
  });

  it('says nothing when there is no spend', () => {
    expect(recommend(input({ byModel: [usage('big', 0, {})], batchSupported: () => true }))).toEqual([]);
    expect(recommend(input({ byModel: [], batchSupported: () => true }))).toEqual([]);
  });

  it('writes tiny savings as less than a cent', () => {
    const [item] = recommend(
      input({ byModel: [usage('small', 1, { inputTokens: 100 })], batchSupported: () => true }),
    );
    expect(item?.estimatedMonthlySavingsNano).toBe(3_750);
    expect(item?.description).toContain('less than $0.01');
  });
});

describe('recommend: ordering and validation', () => {
  it.each([
    ['twin first', true],
    ['twin last', false],
  ])('sorts by saving, then by type, then by model id (%s)', (_name, twinFirst) => {
    // x: 1 request of 10,000 input tokens on big = 30e6.
    // downgrade to mid-input: 30e6 - 16.5e6 = 13.5e6; caching: 5,000 x 2,700 = 13.5e6; batch: 4.5e6.
    const x = usage('big', 1, { inputTokens: 10_000 });
    const twin = usage('big-twin', 1, { inputTokens: 10_000 });
    const items = recommend(
      input({
        byModel: twinFirst ? [twin, x] : [x, twin],
        cheaperAlternatives: { big: 'mid-input', 'big-twin': 'mid-input' },
        cachingSupported: () => true,
        batchSupported: () => true,
      }),
    );
    expect(items.map((i) => [i.type, i.modelId, i.estimatedMonthlySavingsNano])).toEqual([
      ['model_downgrade', 'big', 13_500_000],
      ['model_downgrade', 'big-twin', 13_500_000],
      ['prompt_caching', 'big', 13_500_000],
      ['prompt_caching', 'big-twin', 13_500_000],
      ['batch_inference', undefined, 9_000_000],
    ]);
  });

  it('keeps duplicate model lines as separate items', () => {
    const x = usage('big', 1, { inputTokens: 10_000 });
    const items = recommend(input({ byModel: [x, x, x], cheaperAlternatives: { big: 'small' } }));
    expect(items.map((i) => i.modelId)).toEqual(['big', 'big', 'big']);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects windowDays %s', (windowDays) => {
    try {
      recommend(input({ windowDays }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details[0]?.path).toBe('windowDays');
    }
  });

  it('only ever returns positive savings, sorted, with confidence in 0..1', () => {
    const models = ['big', 'small', 'big-twin', 'no-cache-discount', 'mid-input'];
    const line = fc.record({
      modelId: fc.constantFrom(...models),
      requests: fc.nat(1_000),
      inputTokens: fc.nat(10_000_000),
      outputTokens: fc.nat(10_000_000),
      cacheReadInputTokens: fc.nat(10_000_000),
      cacheWriteInputTokens: fc.nat(1_000_000),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.integer({ min: 1, max: 90 }), (lines, windowDays) => {
        const items = recommend({
          byModel: lines.map((l) => ({ ...l, costNano: pricer(l.modelId, l) })),
          windowDays,
          pricer,
          cheaperAlternatives: { big: 'small', 'big-twin': 'mid-input', 'mid-input': 'small' },
          cachingSupported: (id) => id !== 'small',
        });
        for (let i = 0; i < items.length; i++) {
          const item = items[i]!;
          expect(Number.isSafeInteger(item.estimatedMonthlySavingsNano)).toBe(true);
          expect(item.estimatedMonthlySavingsNano).toBeGreaterThan(0);
          expect(item.confidence).toBeGreaterThan(0);
          expect(item.confidence).toBeLessThanOrEqual(1);
          if (i > 0)
            expect(items[i - 1]!.estimatedMonthlySavingsNano).toBeGreaterThanOrEqual(
              item.estimatedMonthlySavingsNano,
            );
        }
      }),
    );
  });
});
