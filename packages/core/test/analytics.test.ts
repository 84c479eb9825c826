import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCounters,
  cacheHitRate,
  eachDay,
  emptyCounters,
  MAX_ANALYTICS_DAYS,
  summarizeAnalytics,
  type UsageCounters,
} from '../src/analytics.js';
import { MoneyRangeError, ValidationError } from '../src/errors.js';

function counters(partial: Partial<UsageCounters>): UsageCounters {
  return { ...emptyCounters(), ...partial };
}

const counterArb = fc.record({
  requests: fc.nat(1_000_000),
  inputTokens: fc.nat(1_000_000_000),
  outputTokens: fc.nat(1_000_000_000),
  cacheReadInputTokens: fc.nat(1_000_000_000),
  cacheWriteInputTokens: fc.nat(1_000_000_000),
  costNano: fc.nat(1_000_000_000_000),
});

describe('emptyCounters / addCounters', () => {
  it('starts at zero in every field', () => {
    expect(emptyCounters()).toEqual({
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
      costNano: 0,
    });
  });

  it('adds field by field', () => {
    const a = counters({
      requests: 1,
      inputTokens: 10,
      outputTokens: 20,
      cacheReadInputTokens: 3,
      costNano: 7,
    });
    const b = counters({ requests: 2, inputTokens: 5, cacheWriteInputTokens: 4, costNano: 10_500_000 });
    expect(addCounters(a, b)).toEqual({
      requests: 3,
      inputTokens: 15,
      outputTokens: 20,
      cacheReadInputTokens: 3,
      cacheWriteInputTokens: 4,
      costNano: 10_500_007,
    });
  });

  it('drops extra keys and does not mutate its arguments', () => {
    const a = { ...counters({ requests: 1 }), date: '2026-01-01' };
    const sum = addCounters(a, emptyCounters());
    expect(sum).not.toHaveProperty('date');
    expect(a.requests).toBe(1);
  });

  it('is commutative, associative and has emptyCounters as identity', () => {
    fc.assert(
      fc.property(counterArb, counterArb, counterArb, (a, b, c) => {
        expect(addCounters(a, b)).toEqual(addCounters(b, a));
        expect(addCounters(addCounters(a, b), c)).toEqual(addCounters(a, addCounters(b, c)));
        expect(addCounters(a, emptyCounters())).toEqual(a);
      }),
    );
  });

  it('refuses counts that are not exact integers', () => {
    expect(() => addCounters(counters({ inputTokens: 1.5 }), emptyCounters())).toThrow(ValidationError);
    expect(() => addCounters(emptyCounters(), counters({ outputTokens: Number.NaN }))).toThrow(
      ValidationError,
    );
    const big = counters({ requests: Number.MAX_SAFE_INTEGER });
    try {
      addCounters(big, counters({ requests: 1 }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details[0]?.path).toBe('requests');
    }
  });

  it('refuses a cost sum that would lose a nano-dollar', () => {
    const big = counters({ costNano: Number.MAX_SAFE_INTEGER });
    expect(() => addCounters(big, counters({ costNano: 1 }))).toThrow(MoneyRangeError);
  });
});

describe('eachDay', () => {
  it('lists one day for from == to', () => {
    expect(eachDay('2026-03-05', '2026-03-05')).toEqual(['2026-03-05']);
  });

  it('crosses month, leap-day and year boundaries', () => {
    expect(eachDay('2028-02-27', '2028-03-01')).toEqual([
      '2028-02-27',
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
    ]);
    expect(eachDay('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('accepts exactly 366 days and refuses 367', () => {
    const leapYear = eachDay('2028-01-01', '2028-12-31');
    expect(leapYear).toHaveLength(MAX_ANALYTICS_DAYS);
    expect(leapYear.at(-1)).toBe('2028-12-31');
    expect(() => eachDay('2028-01-01', '2029-01-01')).toThrow(ValidationError);
  });

  it('refuses from after to, naming from', () => {
    try {
      eachDay('2026-03-06', '2026-03-05');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details[0]?.path).toBe('from');
    }
  });

  it.each([
    ['2026-02-30', '2026-03-01', 'from'],
    ['2026-13-01', '2026-12-01', 'from'],
    ['2026-3-1', '2026-03-05', 'from'],
    ['2026-03-01', '2026-03-01T00:00:00Z', 'to'],
    ['2026-03-01', '', 'to'],
  ])('refuses %s..%s (path %s)', (from, to, path) => {
    try {
      eachDay(from, to);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details[0]?.path).toBe(path);
    }
  });

  it('lists consecutive distinct days, ascending, end - start + 1 of them', () => {
    const base = Date.UTC(2020, 0, 1);
    fc.assert(
      fc.property(fc.nat(3_000), fc.nat(MAX_ANALYTICS_DAYS - 1), (offset, length) => {
        const from = new Date(base + offset * 86_400_000).toISOString().slice(0, 10);
        const to = new Date(base + (offset + length) * 86_400_000).toISOString().slice(0, 10);
        const days = eachDay(from, to);
        expect(days).toHaveLength(length + 1);
        expect(days[0]).toBe(from);
        expect(days.at(-1)).toBe(to);
        for (let i = 1; i < days.length; i++) {
          expect(Date.parse(days[i]!) - Date.parse(days[i - 1]!)).toBe(86_400_000);
        }
      }),
    );
  });
});

describe('cacheHitRate', () => {
  it('is 0 without any input', () => {
    expect(cacheHitRate(counters({ outputTokens: 100 }))).toBe(0);
  });

  it('divides cache reads by all input and rounds to 4 decimals', () => {
    expect(
      cacheHitRate(counters({ inputTokens: 500, cacheReadInputTokens: 400, cacheWriteInputTokens: 100 })),
    ).toBe(0.4);
    // 1 / 3 = 0.33333…
    expect(
      cacheHitRate(counters({ inputTokens: 1, cacheReadInputTokens: 1, cacheWriteInputTokens: 1 })),
    ).toBe(0.3333);
    // 2 / 3 = 0.66666… rounds up
    expect(cacheHitRate(counters({ inputTokens: 1, cacheReadInputTokens: 2 }))).toBe(0.6667);
    expect(cacheHitRate(counters({ cacheReadInputTokens: 9 }))).toBe(1);
  });
});

describe('summarizeAnalytics', () => {
  const dayA = counters({
    requests: 2,
    inputTokens: 1_000,
    outputTokens: 500,
    cacheReadInputTokens: 3_000,
    cacheWriteInputTokens: 1_000,
    costNano: 10_500_000,
  });
  const dayB = counters({ requests: 1, inputTokens: 200, outputTokens: 100, costNano: 1_000 });

  it('zero-fills every day of the range, ascending, and totals the day items', () => {
    const result = summarizeAnalytics({
      from: '2026-11-20',
      to: '2026-11-23',
      days: [
        { date: '2026-11-23', totals: dayB },
        { date: '2026-11-21', totals: dayA },
      ],
      byModel: [],
      byOperation: [],
    });
    expect(result.daily).toEqual([
      { date: '2026-11-20', ...emptyCounters() },
      { date: '2026-11-21', ...dayA },
      { date: '2026-11-22', ...emptyCounters() },
      { date: '2026-11-23', ...dayB },
    ]);
    expect(result.totals).toEqual({
      requests: 3,
      inputTokens: 1_200,
      outputTokens: 600,
      cacheReadInputTokens: 3_000,
      cacheWriteInputTokens: 1_000,
      costNano: 10_501_000,
    });
    // 3000 / (1200 + 3000 + 1000) = 0.576923… -> 0.5769
    expect(result.cacheHitRate).toBe(0.5769);
    expect(result.byModel).toEqual([]);
    expect(result.byOperation).toEqual([]);
  });

  it('ignores items outside the range and adds duplicates of the same day', () => {
    const result = summarizeAnalytics({
      from: '2026-11-21',
      to: '2026-11-21',
      days: [
        { date: '2026-11-20', totals: dayA },
        { date: '2026-11-21', totals: dayB },
        { date: '2026-11-21', totals: dayB },
        { date: '2026-11-22', totals: dayA },
      ],
      byModel: [
        { date: '2026-11-22', modelId: 'm-outside', counters: dayA },
        { date: '2026-11-21', modelId: 'm-inside', counters: dayB },
      ],
      byOperation: [{ date: '2026-11-19', operation: 'old', counters: dayA }],
    });
    expect(result.daily).toEqual([{ date: '2026-11-21', ...addCounters(dayB, dayB) }]);
    expect(result.totals).toEqual(addCounters(dayB, dayB));
    expect(result.cacheHitRate).toBe(0);
    expect(result.byModel.map((m) => m.modelId)).toEqual(['m-inside']);
    expect(result.byOperation).toEqual([]);
  });

  it('sums models and operations over the range, by cost descending then by name', () => {
    const result = summarizeAnalytics({
      from: '2026-11-01',
      to: '2026-11-30',
      days: [],
      byModel: [
        { date: '2026-11-01', modelId: 'cheap', counters: counters({ requests: 5, costNano: 100 }) },
        {
          date: '2026-11-02',
          modelId: 'pricey',
          counters: counters({ requests: 1, inputTokens: 9, costNano: 400 }),
        },
        { date: '2026-11-03', modelId: 'cheap', counters: counters({ requests: 5, costNano: 150 }) },
        { date: '2026-11-04', modelId: 'b-tie', counters: counters({ requests: 2, costNano: 250 }) },
        { date: '2026-11-04', modelId: 'a-tie', counters: counters({ requests: 3, costNano: 250 }) },
      ],
      byOperation: [
        { date: '2026-11-05', operation: 'chat', counters: counters({ requests: 4, costNano: 30 }) },
        { date: '2026-11-06', operation: 'review', counters: counters({ requests: 1, costNano: 50 }) },
        { date: '2026-11-07', operation: 'chat', counters: counters({ requests: 4, costNano: 30 }) },
        { date: '2026-11-08', operation: 'x-tie', counters: counters({ requests: 1, costNano: 5 }) },
        { date: '2026-11-08', operation: 'y-tie', counters: counters({ requests: 1, costNano: 5 }) },
      ],
    });
    expect(result.byModel.map((m) => [m.modelId, m.requests, m.costNano])).toEqual([
      ['pricey', 1, 400],
      ['a-tie', 3, 250],
      ['b-tie', 2, 250],
      ['cheap', 10, 250],
    ]);
    expect(result.byModel[0]).toEqual({
      modelId: 'pricey',
      ...counters({ requests: 1, inputTokens: 9, costNano: 400 }),
    });
    expect(result.byOperation.map((o) => [o.operation, o.requests, o.costNano])).toEqual([
      ['chat', 8, 60],
      ['review', 1, 50],
      ['x-tie', 1, 5],
      ['y-tie', 1, 5],
    ]);
    expect(result.daily).toHaveLength(30);
    expect(result.totals).toEqual(emptyCounters());
  });

  it('rejects an invalid range', () => {
    expect(() =>
      summarizeAnalytics({ from: '2026-11-02', to: '2026-11-01', days: [], byModel: [], byOperation: [] }),
    ).toThrow(ValidationError);
  });

  it('keeps totals equal to the sum of the daily entries and cost exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ day: fc.integer({ min: 1, max: 28 }), c: counterArb }), { maxLength: 40 }),
        (items) => {
          const days = items.map(({ day, c }) => ({
            date: `2026-02-${String(day).padStart(2, '0')}`,
            totals: c,
          }));
          const result = summarizeAnalytics({
            from: '2026-02-01',
            to: '2026-02-28',
            days,
            byModel: [],
            byOperation: [],
          });
          expect(result.daily).toHaveLength(28);
          const expectedCost = items.reduce((sum, { c }) => sum + BigInt(c.costNano), 0n);
          expect(BigInt(result.totals.costNano)).toBe(expectedCost);
          expect(result.totals.requests).toBe(result.daily.reduce((sum, d) => sum + d.requests, 0));
          expect(result.cacheHitRate).toBeGreaterThanOrEqual(0);
          expect(result.cacheHitRate).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
