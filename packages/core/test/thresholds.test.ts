import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyRangeError, type ValidationError } from '../src/errors.js';
import {
  type BreachLevel,
  evaluateThreshold,
  levelsToResolve,
  newlyCrossed,
  percentageLimit,
  reachesPercent,
  THRESHOLD_DEFAULTS,
  type ThresholdSettings,
  type ThresholdType,
  validateThresholdLevels,
} from '../src/thresholds.js';
import { validationPaths } from './support/validation.js';

const USD = 1_000_000_000;

function threshold(overrides: Partial<ThresholdSettings> = {}): ThresholdSettings {
  return {
    type: 'absolute',
    limitNano: 100 * USD,
    warningPercent: THRESHOLD_DEFAULTS.warningPercent,
    emergencyPercent: THRESHOLD_DEFAULTS.emergencyPercent,
    changePercent: THRESHOLD_DEFAULTS.changePercent,
    ...overrides,
  };
}

describe('THRESHOLD_DEFAULTS', () => {
  it('matches the API contract', () => {
    expect(THRESHOLD_DEFAULTS).toEqual({
      warningPercent: 80,
      criticalPercent: 100,
      emergencyPercent: 150,
      changePercent: 50,
    });
  });
});

describe('reachesPercent', () => {
  it('compares exactly at the boundary, one nano below does not reach', () => {
    expect(reachesPercent(80 * USD, 100 * USD, 80)).toBe(true);
    expect(reachesPercent(80 * USD - 1, 100 * USD, 80)).toBe(false);
    // 80.1 % of 1000 nano is 801 nano exactly (a float product would give 800.9999999999999).
    expect(reachesPercent(801, 1000, 80.1)).toBe(true);
    expect(reachesPercent(800, 1000, 80.1)).toBe(false);
  });

  it('reads exponent-form percentages exactly', () => {
    // 1e-7 % of 1e9 nano = 1 nano; 1.5e-7 % = 1.5 nano.
    expect(reachesPercent(1, 1_000_000_000, 1e-7)).toBe(true);
    expect(reachesPercent(1, 1_000_000_000, 1.5e-7)).toBe(false);
    expect(reachesPercent(2, 1_000_000_000, 1.5e-7)).toBe(true);
    expect(reachesPercent(10, 1, 1e21)).toBe(false);
  });

  it('handles amounts whose products exceed 2^53', () => {
    const limit = Number.MAX_SAFE_INTEGER - 1;
    expect(reachesPercent(limit, limit, 100)).toBe(true);
    expect(reachesPercent(limit - 1, limit, 100)).toBe(false);
  });

  it('rejects negative or non-finite percentages and non-integer amounts', () => {
    expect(validationPaths(() => reachesPercent(1, 1, -5))).toEqual(['percent']);
    expect(validationPaths(() => reachesPercent(1, 1, Number.NaN))).toEqual(['percent']);
    expect(() => reachesPercent(1.5, 1, 5)).toThrow(MoneyRangeError);
  });

  it('property: agrees with exact rational arithmetic for integer percents', () => {
    fc.assert(
      fc.property(
        fc.nat(10 ** 12),
        fc.integer({ min: 1, max: 10 ** 12 }),
        fc.integer({ min: 1, max: 1000 }),
        (m, l, p) => {
          expect(reachesPercent(m, l, p)).toBe(BigInt(m) * 100n >= BigInt(l) * BigInt(p));
        },
      ),
    );
  });
});

describe('validateThresholdLevels', () => {
  it('accepts valid levels', () => {
    expect(() => validateThresholdLevels({ warningPercent: 80, emergencyPercent: 150 })).not.toThrow();
    expect(() =>
      validateThresholdLevels({ warningPercent: 99.5, emergencyPercent: 1000, changePercent: 1000 }),
    ).not.toThrow();
  });

  it('names every bad field at once', () => {
    expect(
      validationPaths(() => validateThresholdLevels({ warningPercent: 0, emergencyPercent: 100 })),
    ).toEqual(['warningPercent', 'emergencyPercent']);
    expect(
      validationPaths(() =>
        validateThresholdLevels({ warningPercent: 100, emergencyPercent: 1000.5, changePercent: 0 }),
      ),
    ).toEqual(['warningPercent', 'emergencyPercent', 'changePercent']);
    expect(
      validationPaths(() =>
        validateThresholdLevels({
          warningPercent: '80' as unknown as number,
          emergencyPercent: Number.POSITIVE_INFINITY,
          changePercent: Number.NaN,
        }),
      ),
    ).toEqual(['warningPercent', 'emergencyPercent', 'changePercent']);
  });

  it('messages say what is allowed', () => {
    try {
      validateThresholdLevels({ warningPercent: 120, emergencyPercent: 90 });
    } catch (error) {
      expect((error as ValidationError).details).toEqual([
        { path: 'warningPercent', message: 'must be greater than 0 and less than 100' },
        { path: 'emergencyPercent', message: 'must be greater than 100 and at most 1000' },
      ]);
    }
    expect.assertions(1);
  });
});

describe('evaluateThreshold: absolute', () => {
  it('reaches each level exactly at its boundary', () => {
    const cases: [number, BreachLevel[]][] = [
      [0, []],
      [80 * USD - 1, []],
      [80 * USD, ['warning']],
      [100 * USD - 1, ['warning']],
      [100 * USD, ['warning', 'critical']],
      [150 * USD - 1, ['warning', 'critical']],
      [150 * USD, ['warning', 'critical', 'emergency']],
    ];
    for (const [spend, levels] of cases) {
      const evaluation = evaluateThreshold(threshold(), { spendNano: spend });
      expect(evaluation.levels).toEqual(levels);
      expect(evaluation.highest).toBe(levels.at(-1) ?? null);
      expect(evaluation.measuredNano).toBe(spend);
      expect(evaluation.effectiveLimitNano).toBe(100 * USD);
      expect(evaluation.insufficientData).toBe(false);
    }
  });

  it('reports the percentage of the limit', () => {
    expect(evaluateThreshold(threshold(), { spendNano: 85 * USD }).percentOfLimit).toBeCloseTo(85, 10);
  });

  it('ignores projections and previous spend', () => {
    const evaluation = evaluateThreshold(threshold(), {
      spendNano: 10 * USD,
      projectedNano: 500 * USD,
      previousSpendAtSamePointNano: 1,
    });
    expect(evaluation.levels).toEqual([]);
  });

  it('rejects a non-positive limit and bad percentages', () => {
    expect(validationPaths(() => evaluateThreshold(threshold({ limitNano: 0 }), { spendNano: 1 }))).toEqual([
      'limitUsd',
    ]);
    expect(validationPaths(() => evaluateThreshold(threshold({ limitNano: 1.5 }), { spendNano: 1 }))).toEqual(
      ['limitUsd'],
    );
    expect(
      validationPaths(() => evaluateThreshold(threshold({ warningPercent: 120 }), { spendNano: 1 })),
    ).toEqual(['warningPercent']);
    expect(
      validationPaths(() =>
        evaluateThreshold(threshold({ type: 'relative' as ThresholdType }), { spendNano: 1 }),
      ),
    ).toEqual(['type']);
  });

  it('does not validate changePercent for non-percentage thresholds', () => {
    expect(evaluateThreshold(threshold({ changePercent: -1 }), { spendNano: 1 }).levels).toEqual([]);
  });
});

describe('evaluateThreshold: forecast', () => {
  it('compares the projection, not the spend', () => {
    const evaluation = evaluateThreshold(threshold({ type: 'forecast' }), {
      spendNano: 20 * USD,
      projectedNano: 120 * USD,
    });
    expect(evaluation).toMatchObject({
      measuredNano: 120 * USD,
      effectiveLimitNano: 100 * USD,
      levels: ['warning', 'critical'],
      highest: 'critical',
      insufficientData: false,
    });
    expect(evaluation.percentOfLimit).toBeCloseTo(120, 10);
  });

  it('without a projection has insufficient data and no levels', () => {
    expect(evaluateThreshold(threshold({ type: 'forecast' }), { spendNano: 500 * USD })).toEqual({
      measuredNano: 500 * USD,
      effectiveLimitNano: 100 * USD,
      percentOfLimit: 0,
      levels: [],
      highest: null,
      insufficientData: true,
    });
  });
});

describe('evaluateThreshold: percentage', () => {
  const percentage = threshold({ type: 'percentage', limitNano: 0, changePercent: 50 });

  it('critical when spend is up by changePercent on the previous period', () => {
    // previous 10 USD → effective limit 15 USD; warning at 12, emergency at 22.5
    const at = (spend: number) =>
      evaluateThreshold(percentage, { spendNano: spend, previousSpendAtSamePointNano: 10 * USD });
    expect(at(12 * USD - 1).levels).toEqual([]);
    expect(at(12 * USD).levels).toEqual(['warning']);
    expect(at(15 * USD - 1).levels).toEqual(['warning']);
    expect(at(15 * USD)).toMatchObject({ levels: ['warning', 'critical'], effectiveLimitNano: 15 * USD });
    expect(at(22.5 * USD - 1).highest).toBe('critical');
    expect(at(22.5 * USD).highest).toBe('emergency');
    expect(at(30 * USD).percentOfLimit).toBeCloseTo(200, 10);
  });

  it('rounds a fractional effective limit up, so "up by 50 %" is never reached early', () => {
    expect(percentageLimit(3, 50)).toBe(5); // 4.5 → 5
    expect(percentageLimit(4, 50)).toBe(6);
    expect(percentageLimit(3, 33.3)).toBe(4); // 3.999 → 4
    expect(percentageLimit(1000, 0.1)).toBe(1001);
    const evaluation = evaluateThreshold(percentage, { spendNano: 4, previousSpendAtSamePointNano: 3 });
    expect(evaluation.levels).toEqual(['warning']);
    expect(evaluateThreshold(percentage, { spendNano: 5, previousSpendAtSamePointNano: 3 }).highest).toBe(
      'critical',
    );
  });

  it('zero or missing previous spend is insufficient data', () => {
    for (const previous of [undefined, 0]) {
      expect(
        evaluateThreshold(percentage, { spendNano: 50 * USD, previousSpendAtSamePointNano: previous }),
      ).toEqual({
        measuredNano: 50 * USD,
        effectiveLimitNano: 0,
        percentOfLimit: 0,
        levels: [],
        highest: null,
        insufficientData: true,
      });
    }
  });

  it('validates changePercent', () => {
    expect(
      validationPaths(() =>
        evaluateThreshold(threshold({ type: 'percentage', changePercent: 0 }), {
          spendNano: 1,
          previousSpendAtSamePointNano: 1,
        }),
      ),
    ).toEqual(['changePercent']);
  });
});

describe('evaluateThreshold properties', () => {
  it('levels are monotone in spend and always a prefix of warning, critical, emergency', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 12 }),
        fc.nat(3 * 10 ** 12),
        fc.nat(3 * 10 ** 12),
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 101, max: 1000 }),
        (limit, a, b, warning, emergency) => {
          const t = threshold({ limitNano: limit, warningPercent: warning, emergencyPercent: emergency });
          const low = evaluateThreshold(t, { spendNano: Math.min(a, b) });
          const high = evaluateThreshold(t, { spendNano: Math.max(a, b) });
          expect(high.levels.length).toBeGreaterThanOrEqual(low.levels.length);
          expect(['warning', 'critical', 'emergency'].slice(0, high.levels.length)).toEqual(high.levels);
        },
      ),
    );
  });
});

describe('levelsToResolve and newlyCrossed', () => {
  const at = (spend: number) => evaluateThreshold(threshold(), { spendNano: spend });

  it('resolves open levels no longer reached, in severity order, without duplicates', () => {
    expect(levelsToResolve(['emergency', 'warning', 'critical', 'critical'], at(90 * USD))).toEqual([
      'critical',
      'emergency',
    ]);
    expect(levelsToResolve(['warning'], at(90 * USD))).toEqual([]);
    expect(levelsToResolve(['warning', 'critical'], at(0))).toEqual(['warning', 'critical']);
  });

  it('resolves nothing on insufficient data', () => {
    const noProjection = evaluateThreshold(threshold({ type: 'forecast' }), { spendNano: 0 });
    expect(levelsToResolve(['warning', 'critical'], noProjection)).toEqual([]);
  });

  it('newlyCrossed lists reached levels without an open breach', () => {
    expect(newlyCrossed([], at(150 * USD))).toEqual(['warning', 'critical', 'emergency']);
    expect(newlyCrossed(['warning'], at(120 * USD))).toEqual(['critical']);
    expect(newlyCrossed(['warning', 'critical'], at(120 * USD))).toEqual([]);
    expect(newlyCrossed([], at(1))).toEqual([]);
  });
});
