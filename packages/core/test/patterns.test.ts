import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.js';
import type { DailyCost } from '../src/forecast.js';
import { classifyPattern } from '../src/patterns.js';
import { addDays, daysBetween } from '../src/periods.js';

const LAST = '2026-11-22'; // a Sunday

function series(values: readonly number[], last = LAST): DailyCost[] {
  if (values.length === 0) return [];
  return daysBetween(addDays(last, 1 - values.length), last).map((date, i) => ({
    date,
    costNano: values[i]!,
  }));
}

function build(days: number, value: (index: number, date: string) => number): number[] {
  return daysBetween(addDays(LAST, 1 - days), LAST).map((date, i) => value(i, date));
}

function isWeekend(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

/** Deterministic ±2 % wobble without a weekly rhythm. */
const wobble = [0, 15, -10, 20, -5, -20, 10, 5, -15, 0, 20, -10, 15, -20, 5, 10, -5, 0, -15, 20, -10];

describe('classifyPattern: insufficient data', () => {
  it('fewer than 7 days, no days or no spend', () => {
    for (const values of [[], [5, 5, 5, 5, 5, 5], new Array(30).fill(0)]) {
      expect(classifyPattern(series(values))).toMatchObject({ type: 'insufficient_data', confidence: 0 });
    }
    expect(classifyPattern(series([5, 5, 5, 5, 5, 5])).stats.days).toBe(6);
  });

  it('leading days without spend do not count', () => {
    const values = [...new Array(25).fill(0), 10, 10, 10, 10, 10];
    const pattern = classifyPattern(series(values));
    expect(pattern.type).toBe('insufficient_data');
    expect(pattern.stats.days).toBe(5);
  });

  it('gaps count as zero days', () => {
    const sparse: DailyCost[] = [
      { date: '2026-11-01', costNano: 1000 },
      { date: '2026-11-08', costNano: 1000 },
    ];
    expect(classifyPattern(sparse).stats.days).toBe(8);
  });
});

describe('classifyPattern: each type on a constructed series', () => {
  it('steady', () => {
    const pattern = classifyPattern(series(build(28, (i) => 1000_000 + wobble[i % wobble.length]! * 1000)));
    expect(pattern.type).toBe('steady');
    expect(pattern.confidence).toBeGreaterThan(0.9);
    expect(pattern.stats.spikeDays).toBe(0);
    expect(Math.abs(pattern.stats.trendPerWeek)).toBeLessThan(0.05);
  });

  it('a constant series is steady with full confidence', () => {
    const pattern = classifyPattern(series(build(28, () => 500)));
    expect(pattern).toMatchObject({ type: 'steady', confidence: 1 });
    expect(pattern.stats).toMatchObject({
      days: 28,
      meanNano: 500,
      medianNano: 500,
      stdDevNano: 0,
      coefficientOfVariation: 0,
      trendPerWeek: 0,
      trendRSquared: 0,
      residualVariation: 0,
      weeklyAutocorrelation: 0,
      spikeDays: 0,
    });
  });

  it('growing', () => {
    const pattern = classifyPattern(series(build(28, (i) => 1000 + 50 * i)));
    expect(pattern.type).toBe('growing');
    expect(pattern.confidence).toBe(1);
    // slope 50/day = 350/week over a mean of 1675
    expect(pattern.stats.trendPerWeek).toBeCloseTo(350 / 1675, 10);
    expect(pattern.stats.trendRSquared).toBe(1);
  });

  it('exponential growth is growing, not spiky', () => {
    const pattern = classifyPattern(series(build(28, (i) => Math.round(1000 * 1.08 ** i))));
    expect(pattern.type).toBe('growing');
    expect(pattern.stats.spikeDays).toBe(0);
  });

  it('declining', () => {
    const pattern = classifyPattern(series(build(21, (i) => 3000 - 100 * i + wobble[i]! * 3)));
    expect(pattern.type).toBe('declining');
    expect(pattern.stats.trendPerWeek).toBeLessThan(-0.05);
    expect(pattern.confidence).toBeGreaterThan(0.5);
  });

  it('spiky: one day far above the rest', () => {
    const values = build(28, (i) => 1000 + wobble[i % wobble.length]!);
    values[17] = 10_000;
    const pattern = classifyPattern(series(values));
    expect(pattern.type).toBe('spiky');
    expect(pattern.stats.spikeDays).toBe(1);
    expect(pattern.confidence).toBe(1);
  });

  it('spiky: a spike in a short series is caught by its neighbourhood median', () => {
    const pattern = classifyPattern(series([100, 100, 100, 500, 100, 100, 100]));
    expect(pattern.type).toBe('spiky');
    expect(pattern.stats.spikeDays).toBe(1);
    // 500 is 5/3 of the 3×median limit: confidence 0.5 + (5/3 − 1)/2 ≈ 0.833, times √(7/28) = 0.5
    expect(pattern.confidence).toBeCloseTo(0.417, 3);
  });

  it('spiky: erratic, bursty use without single outliers', () => {
    const pattern = classifyPattern(series(build(27, (i) => (i % 3 === 2 ? 3000 : 0))));
    expect(pattern.type).toBe('spiky');
    expect(pattern.stats.spikeDays).toBe(0);
    expect(pattern.stats.residualVariation).toBeGreaterThanOrEqual(1);
  });

  it('seasonal: weekends at 20 %', () => {
    const pattern = classifyPattern(series(build(28, (_, date) => (isWeekend(date) ? 200 : 1000))));
    expect(pattern.type).toBe('seasonal');
    expect(pattern.stats.weeklyAutocorrelation).toBeGreaterThan(0.9);
    expect(pattern.confidence).toBeGreaterThan(0.9);
  });

  it('seasonal: busy weekends are a rhythm, not spikes', () => {
    const pattern = classifyPattern(series(build(28, (_, date) => (isWeekend(date) ? 5000 : 1000))));
    expect(pattern.type).toBe('seasonal');
    expect(pattern.stats.spikeDays).toBeGreaterThan(0);
  });

  it('seasonal needs two weeks: shorter, busy weekends look like spikes', () => {
    const pattern = classifyPattern(series(build(10, (_, date) => (isWeekend(date) ? 5000 : 1000))));
    expect(pattern.stats.weeklyAutocorrelation).toBeNull();
    expect(pattern.type).toBe('spiky');
  });

  it('a growing series with a mild weekly ripple stays growing', () => {
    const pattern = classifyPattern(
      series(build(28, (i, date) => 10_000 + 400 * i + (isWeekend(date) ? -300 : 0))),
    );
    expect(pattern.type).toBe('growing');
  });
});

describe('classifyPattern: input checks', () => {
  it('names the bad entry', () => {
    const bad = (daily: DailyCost[]) => {
      try {
        classifyPattern(daily);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).details[0]!.path;
      }
      return null;
    };
    expect(bad([{ date: 'monday', costNano: 1 }])).toBe('daily[0].date');
    expect(bad([...series([1, 2]), { date: LAST, costNano: -1 }])).toBe('daily[2].costNano');
    expect(bad([{ date: LAST, costNano: 1.5 }])).toBe('daily[0].costNano');
  });

  it('adds duplicate days', () => {
    const once = classifyPattern(series(build(14, () => 2000)));
    const twice = classifyPattern([...series(build(14, () => 1000)), ...series(build(14, () => 1000))]);
    expect(twice).toEqual(once);
  });
});

describe('classifyPattern properties', () => {
  const values = fc.array(fc.nat(1_000_000), { minLength: 0, maxLength: 60 });

  it('scaling the series by a positive constant never changes the type', () => {
    fc.assert(
      fc.property(values, fc.integer({ min: 2, max: 1000 }), (v, k) => {
        const original = classifyPattern(series(v));
        const scaled = classifyPattern(series(v.map((x) => x * k)));
        expect(scaled.type).toBe(original.type);
      }),
      { numRuns: 300 },
    );
  });

  it('confidence is within [0, 1]', () => {
    fc.assert(
      fc.property(values, (v) => {
        const { confidence } = classifyPattern(series(v));
        expect(confidence).toBeGreaterThanOrEqual(0);
        expect(confidence).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
