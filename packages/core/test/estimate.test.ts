import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyRangeError, UnknownModelError } from '../src/errors.js';
import { type EstimateOperation, type EstimateRequest, estimateWorkload } from '../src/estimate.js';
import { fromUsd, MAX_NANO_USD } from '../src/money.js';
import { priceUsage } from '../src/pricing/index.js';
import { validationPath } from './support/validation.js';

const AT = '2026-11-23T10:00:00Z';
const SONNET_35 = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HAIKU_3 = 'anthropic.claude-3-haiku-20240307-v1:0';
const SONNET_4 = 'anthropic.claude-sonnet-4-20250514-v1:0';

function op(partial: Partial<EstimateOperation> = {}): EstimateOperation {
  return { name: 'op', inputTokens: 1_000, outputTokens: 500, perDay: 1, ...partial };
}

describe('estimateWorkload', () => {
  it('prices one call a day for one day of 1,000 in + 500 out on Claude 3.5 Sonnet at 10,500,000 nano', () => {
    const result = estimateWorkload({ modelId: SONNET_35, days: 1, operations: [op({ name: 'chat' })] }, AT);
    expect(result).toEqual({
      modelId: SONNET_35,
      scope: 'in-region',
      priceVersion: `${SONNET_35}@2024-06-20`,
      days: 1,
      totals: {
        inputTokens: 1_000,
        outputTokens: 500,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 0,
        llmCostNano: 10_500_000,
        lineItemsNano: 0,
        totalNano: 10_500_000,
      },
      byOperation: [
        {
          name: 'chat',
          calls: 1,
          inputTokens: 1_000,
          outputTokens: 500,
          cacheReadInputTokens: 0,
          cacheWriteInputTokens: 0,
          costPerCallNano: 10_500_000,
          costNano: 10_500_000,
        },
      ],
      alternatives: [],
      selfHosted: null,
    });
  });

  it('answers the scenario of the API contract', () => {
    const request: EstimateRequest = {
      modelId: SONNET_35,
      days: 30,
      operations: [{ name: 'code-review', inputTokens: 8_000, outputTokens: 2_000, perDay: 20 }],
      compareModels: [HAIKU_3],
      lineItems: [{ name: 'EKS control plane', monthlyNano: fromUsd(73) }],
      selfHosted: { upfrontNano: fromUsd(3_000), monthlyNano: fromUsd(250) },
    };
    const result = estimateWorkload(request, AT);
    // One call: 8,000 x 3 + 2,000 x 15 USD/MTok = 0.054 USD; 20 a day for 30 days = 600 calls.
    expect(result.byOperation[0]).toMatchObject({ calls: 600, costPerCallNano: 54_000_000 });
    expect(result.totals).toEqual({
      inputTokens: 4_800_000,
      outputTokens: 1_200_000,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
      llmCostNano: fromUsd('32.40'),
      lineItemsNano: fromUsd(73),
      totalNano: fromUsd('105.40'),
    });
    // Claude 3 Haiku: 8,000 x 0.25 + 2,000 x 1.25 = 0.0045 USD a call, 2.70 USD for 600 calls.
    expect(result.alternatives).toEqual([
      {
        modelId: HAIKU_3,
        scope: 'in-region',
        llmCostNano: fromUsd('2.70'),
        savingsNano: fromUsd('29.70'),
        savingsPercent: 91.67,
      },
    ]);
    // Self-hosting at 250 USD a month never beats 105.40 USD of cloud cost.
    expect(result.selfHosted).toEqual({
      breakEvenMonths: null,
      firstYearSavingsNano: fromUsd('-4735.20'), // 12 x (105.40 - 250) - 3,000
    });
  });

  it('defaults to 30 days and multiplies calls by the days given', () => {
    const base = { modelId: SONNET_35, operations: [op({ perDay: 3 })] };
    expect(estimateWorkload(base, AT).days).toBe(30);
    expect(estimateWorkload(base, AT).byOperation[0]?.calls).toBe(90);
    expect(estimateWorkload(base, AT).totals.llmCostNano).toBe(90 * 10_500_000);
    expect(estimateWorkload({ ...base, days: 7 }, AT).totals.llmCostNano).toBe(21 * 10_500_000);
  });

  it('sums several operations and reports cache tokens apart from input', () => {
    const result = estimateWorkload(
      {
        modelId: SONNET_4,
        days: 10,
        operations: [
          op({ name: 'a', inputTokens: 2_000, outputTokens: 1_000, perDay: 2 }),
          op({ name: 'b', inputTokens: 500, outputTokens: 100, perDay: 5, cacheReadInputTokens: 10_000 }),
          op({ name: 'idle', perDay: 0 }),
        ],
      },
      AT,
    );
    // a: 2,000 x 3 + 1,000 x 15 = 21,000,000 nano a call, 20 calls.
    // b: 500 x 3 + 100 x 15 + 10,000 x 0.30 = 6,000,000 nano a call, 50 calls.
    expect(result.byOperation.map((o) => [o.name, o.calls, o.costPerCallNano, o.costNano])).toEqual([
      ['a', 20, 21_000_000, 420_000_000],
      ['b', 50, 6_000_000, 300_000_000],
      ['idle', 0, 10_500_000, 0],
    ]);
    expect(result.totals).toMatchObject({
      inputTokens: 40_000 + 25_000,
      outputTokens: 20_000 + 5_000,
      cacheReadInputTokens: 500_000,
      cacheWriteInputTokens: 0,
      llmCostNano: 720_000_000,
    });
  });

  it('prices per call, so per-call rounding and the long-context tier match tracked usage', () => {
    // One cache-read token on Nova Micro costs 8.75 nano, tracked as 9 per call.
    const micro = estimateWorkload(
      {
        modelId: 'amazon.nova-micro-v1:0',
        days: 30,
        operations: [op({ inputTokens: 0, outputTokens: 0, perDay: 1_000, cacheReadInputTokens: 1 })],
      },
      AT,
    );
    expect(micro.totals.llmCostNano).toBe(30_000 * 9);
    // Sonnet 4: the tier depends on one call's input, never on the month's total.
    const standard = estimateWorkload(
      {
        modelId: SONNET_4,
        days: 30,
        operations: [op({ inputTokens: 150_000, outputTokens: 0, perDay: 10 })],
      },
      AT,
    );
    expect(standard.totals.llmCostNano).toBe(300 * 150_000 * 3_000);
    const long = estimateWorkload(
      {
        modelId: SONNET_4,
        days: 30,
        operations: [op({ inputTokens: 250_000, outputTokens: 0, perDay: 10 })],
      },
      AT,
    );
    expect(long.totals.llmCostNano).toBe(300 * 250_000 * 6_000);
  });

  it('matches per-call prices times calls for any workload', () => {
    const operation = fc.record({
      name: fc.constant('x'),
      inputTokens: fc.integer({ min: 0, max: 300_000 }),
      outputTokens: fc.integer({ min: 0, max: 20_000 }),
      perDay: fc.integer({ min: 0, max: 500 }),
      cacheReadInputTokens: fc.integer({ min: 0, max: 50_000 }),
      cacheWriteInputTokens: fc.integer({ min: 0, max: 50_000 }),
    });
    const model = fc.constantFrom(
      SONNET_4,
      'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      'amazon.nova-pro-v1:0',
    );
    fc.assert(
      fc.property(
        model,
        fc.array(operation, { maxLength: 4 }),
        fc.integer({ min: 1, max: 31 }),
        (id, ops, days) => {
          const result = estimateWorkload({ modelId: id, days, operations: ops }, AT);
          const expected = ops.map((o) => {
            const { name: _name, perDay, ...usage } = o;
            return priceUsage({ modelId: id, usage, at: AT }).costNano * perDay * days;
          });
          return (
            result.byOperation.every((o, i) => o.costNano === expected[i]) &&
            result.totals.llmCostNano === expected.reduce((a, b) => a + b, 0) &&
            result.totals.totalNano === result.totals.llmCostNano
          );
        },
      ),
    );
  });

  describe('alternatives', () => {
    it('reports savings against the scenario model, negative when the alternative costs more', () => {
      const result = estimateWorkload(
        {
          modelId: SONNET_4,
          days: 1,
          operations: [op({ inputTokens: 1_000, outputTokens: 1_000 })],
          compareModels: [
            'anthropic.claude-opus-4-20250514-v1:0',
            'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
          ],
        },
        AT,
      );
      // Sonnet 4: 18,000,000 nano; Opus 4: 90,000,000; Sonnet 4.5 global: 18,000,000.
      expect(result.alternatives).toEqual([
        {
          modelId: 'anthropic.claude-opus-4-20250514-v1:0',
          scope: 'in-region',
          llmCostNano: 90_000_000,
          savingsNano: -72_000_000,
          savingsPercent: -400,
        },
        {
          modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
          scope: 'global',
          llmCostNano: 18_000_000,
          savingsNano: 0,
          savingsPercent: 0,
        },
      ]);
    });

    it('bills cache tokens as plain input on an alternative without prompt caching', () => {
      const result = estimateWorkload(
        {
          modelId: SONNET_4,
          days: 1,
          operations: [op({ inputTokens: 1_000, outputTokens: 500, cacheReadInputTokens: 4_000 })],
          compareModels: ['meta.llama3-3-70b-instruct-v1:0'],
        },
        AT,
      );
      // Sonnet 4: 1,000 x 3 + 500 x 15 + 4,000 x 0.30 = 11,700,000 nano.
      // Llama 3.3 70B: (1,000 + 4,000) x 0.72 + 500 x 0.72 = 3,960,000 nano.
      expect(result.totals.llmCostNano).toBe(11_700_000);
      expect(result.alternatives[0]).toMatchObject({ llmCostNano: 3_960_000, savingsNano: 7_740_000 });
      expect(result.alternatives[0]?.savingsPercent).toBe(66.15); // 66.1538…
    });

    it('gives 0 % when the scenario costs nothing', () => {
      const result = estimateWorkload({ modelId: SONNET_4, operations: [], compareModels: [HAIKU_3] }, AT);
      expect(result.totals.llmCostNano).toBe(0);
      expect(result.alternatives).toEqual([
        { modelId: HAIKU_3, scope: 'in-region', llmCostNano: 0, savingsNano: 0, savingsPercent: 0 },
      ]);
    });

    it('throws UnknownModelError for an unknown model to compare', () => {
      expect(() =>
        estimateWorkload({ modelId: SONNET_4, operations: [op()], compareModels: ['claude-9'] }, AT),
      ).toThrow(UnknownModelError);
    });
  });

  describe('self-hosting', () => {
    function selfHosted(cloudUsd: string, upfrontNano: number, monthlyNano: number) {
      return estimateWorkload(
        {
          modelId: SONNET_35,
          operations: [],
          lineItems: [{ name: 'cloud', monthlyNano: fromUsd(cloudUsd) }],
          selfHosted: { upfrontNano, monthlyNano },
        },
        AT,
      ).selfHosted;
    }

    it('breaks even after upfront / monthly saving months', () => {
      expect(selfHosted('1000', fromUsd(3_000), fromUsd(250))).toEqual({
        breakEvenMonths: 4,
        firstYearSavingsNano: fromUsd(6_000), // 12 x 750 - 3,000
      });
      expect(selfHosted('550', fromUsd(1_000), fromUsd(250))?.breakEvenMonths).toBe(3.33);
      expect(selfHosted('1000', 0, fromUsd(250))?.breakEvenMonths).toBe(0);
    });

    it('rounds break-even months half to even at 2 decimals', () => {
      // Monthly saving 8 nano: 1/8 = 0.125 -> 0.12; 3/8 = 0.375 -> 0.38.
      expect(selfHosted('0.000000010', 1, 2)?.breakEvenMonths).toBe(0.12);
      expect(selfHosted('0.000000010', 3, 2)?.breakEvenMonths).toBe(0.38);
    });

    it('never breaks even when self-hosting costs as much or more each month', () => {
      expect(selfHosted('250', fromUsd(3_000), fromUsd(250))).toEqual({
        breakEvenMonths: null,
        firstYearSavingsNano: -fromUsd(3_000),
      });
    });
  });

  describe('validation', () => {
    const good: EstimateRequest = { modelId: SONNET_35, operations: [op()] };

    it.each([
      ['days', { ...good, days: 0 }],
      ['days', { ...good, days: 1.5 }],
      ['operations[0].perDay', { ...good, operations: [op({ perDay: -1 })] }],
      ['operations[0].perDay', { ...good, operations: [op({ perDay: 0.5 })] }],
      ['operations[1].inputTokens', { ...good, operations: [op(), op({ inputTokens: 1.5 })] }],
      ['operations[0].outputTokens', { ...good, operations: [op({ outputTokens: -2 })] }],
      ['operations[0].cacheWriteInputTokens', { ...good, operations: [op({ cacheWriteInputTokens: -1 })] }],
      ['operations[0].cacheReadInputTokens', { ...good, operations: [op({ cacheReadInputTokens: 10 })] }],
      [
        'lineItems[1].monthlyNano',
        {
          ...good,
          lineItems: [
            { name: 'a', monthlyNano: 1 },
            { name: 'b', monthlyNano: -1 },
          ],
        },
      ],
      ['selfHosted.upfrontNano', { ...good, selfHosted: { upfrontNano: -1, monthlyNano: 0 } }],
      ['selfHosted.monthlyNano', { ...good, selfHosted: { upfrontNano: 0, monthlyNano: 0.5 } }],
      ['selfHosted.monthlyNano', { ...good, selfHosted: { upfrontNano: 0, monthlyNano: MAX_NANO_USD } }],
      ['operations[0].perDay', { ...good, days: 1_000_000, operations: [op({ perDay: 2 ** 40 })] }],
      [
        'operations[0].inputTokens',
        { ...good, days: 30, operations: [op({ inputTokens: 1e9, perDay: 1e7 })] },
      ],
      [
        'operations[0]',
        { ...good, days: 30, operations: [op({ inputTokens: 0, outputTokens: 1e6, perDay: 1e5 })] },
      ],
    ])('names %s', (path, request) => {
      expect(validationPath(() => estimateWorkload(request as EstimateRequest, AT))).toBe(path);
    });

    it('lets a per-call cost beyond the exact range surface as MoneyRangeError', () => {
      const request: EstimateRequest = { modelId: SONNET_4, operations: [op({ inputTokens: 2 ** 52 })] };
      expect(() => estimateWorkload(request, AT)).toThrow(MoneyRangeError);
    });

    it('rejects an unknown model and a malformed timestamp', () => {
      expect(() => estimateWorkload({ ...good, modelId: 'gpt-4o' }, AT)).toThrow(UnknownModelError);
      expect(validationPath(() => estimateWorkload(good, 'now'))).toBe('at');
      expect(validationPath(() => estimateWorkload({ ...good, operations: [] }, 'now'))).toBe('at');
    });
  });
});
