import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BENCHMARK_TIERS,
  BENCHMARKS,
  benchmarkPosition,
  getBenchmarks,
  INDUSTRIES,
} from '../src/benchmarks.js';
import { ValidationError } from '../src/errors.js';

const USD = 1_000_000_000;

function pathOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details[0]?.path;
  }
  throw new Error('expected a ValidationError');
}

describe('BENCHMARKS', () => {
  it('has every tier of every industry, tiers in ascending order', () => {
    expect(BENCHMARKS).toHaveLength(INDUSTRIES.length * BENCHMARK_TIERS.length);
    for (const industry of INDUSTRIES) {
      expect(BENCHMARKS.filter((b) => b.industry === industry).map((b) => b.tier)).toEqual([
        ...BENCHMARK_TIERS,
      ]);
    }
    expect(INDUSTRIES).toContain('hospitality');
  });

  it('has increasing quartiles, contiguous tiers and integer nano amounts', () => {
    for (const industry of INDUSTRIES) {
      const tiers = BENCHMARKS.filter((b) => b.industry === industry);
      tiers.forEach((b, i) => {
        const c = b.monthlyCostNano;
        expect(0 < c.p25 && c.p25 < c.p50 && c.p50 < c.p75 && c.p75 < c.p90).toBe(true);
        for (const v of [c.p25, c.p50, c.p75, c.p90, b.avgCostPerRequestNano]) {
          expect(Number.isSafeInteger(v)).toBe(true);
        }
        const r = b.monthlyRequests;
        expect(0 < r.p25 && r.p25 < r.p50 && r.p50 < r.p75).toBe(true);
        const next = tiers[i + 1];
        if (next) expect(next.monthlyCostNano.p25).toBe(c.p90);
        expect(b.typicalModels.length).toBeGreaterThan(0);
        expect(b.description.length).toBeGreaterThan(0);
        expect(b.source).toMatch(/^illustrative reference data/);
        expect(b.source).toMatch(/not measurements/);
      });
    }
  });

  it('derives the average cost per request from the medians', () => {
    const [starter] = getBenchmarks({ industry: 'hospitality', tier: 'starter' });
    expect(starter?.monthlyCostNano).toEqual({
      p25: 50 * USD,
      p50: 120 * USD,
      p75: 250 * USD,
      p90: 400 * USD,
    });
    // $120 / 25,000 requests = $0.0048
    expect(starter?.avgCostPerRequestNano).toBe(4_800_000);
    for (const b of BENCHMARKS) {
      expect(b.avgCostPerRequestNano).toBe(Math.round(b.monthlyCostNano.p50 / b.monthlyRequests.p50));
    }
  });

  it('cannot be changed by a caller', () => {
    const [first] = getBenchmarks();
    expect(Object.isFrozen(BENCHMARKS)).toBe(true);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.monthlyCostNano)).toBe(true);
    expect(Object.isFrozen(first?.typicalModels)).toBe(true);
  });
});

describe('getBenchmarks', () => {
  it('returns everything without a filter', () => {
    expect(getBenchmarks()).toEqual([...BENCHMARKS]);
    expect(getBenchmarks({})).toHaveLength(BENCHMARKS.length);
  });

  it('filters by industry, by tier, or both', () => {
    expect(getBenchmarks({ industry: 'hospitality' }).map((b) => b.tier)).toEqual([
      'starter',
      'professional',
      'enterprise',
    ]);
    expect(getBenchmarks({ tier: 'enterprise' }).map((b) => b.industry)).toEqual([...INDUSTRIES]);
    const both = getBenchmarks({ industry: 'saas', tier: 'professional' });
    expect(both).toHaveLength(1);
    expect(both[0]).toMatchObject({ industry: 'saas', tier: 'professional' });
  });

  it('rejects unknown values, naming the field', () => {
    expect(pathOf(() => getBenchmarks({ industry: 'mining' }))).toBe('industry');
    expect(pathOf(() => getBenchmarks({ industry: 'Hospitality' }))).toBe('industry');
    expect(pathOf(() => getBenchmarks({ tier: 'gold' }))).toBe('tier');
    expect(pathOf(() => getBenchmarks({ industry: 'saas', tier: '' }))).toBe('tier');
  });
});

describe('benchmarkPosition', () => {
  // hospitality: starter 50/120/250/400, professional 400/900/1,800/3,000, enterprise 3,000/8,000/18,000/35,000 USD.
  it.each([
    [0, 'starter', 0],
    [10, 'starter', 5],
    [50, 'starter', 25],
    [120, 'starter', 50],
    [185, 'starter', 63], // 62.5 rounds up
    [250, 'starter', 75],
    [325, 'starter', 83], // 82.5
    [400, 'starter', 90], // on both starter p90 and professional p25: the smaller tier
    [650, 'professional', 38], // 37.5
    [3_000, 'professional', 90],
    [3_001, 'enterprise', 25],
    [35_000, 'enterprise', 90],
    [52_500, 'enterprise', 95],
    [70_000, 'enterprise', 100],
    [1_000_000, 'enterprise', 100],
  ])('places $%d in %s at percentile %d', (usd, tier, percentile) => {
    expect(benchmarkPosition(usd * USD, 'hospitality')).toEqual({
      industry: 'hospitality',
      tier,
      percentile,
    });
  });

  it('moves to the next tier just above a p90', () => {
    const position = benchmarkPosition(400 * USD + 1, 'hospitality');
    expect(position).toEqual({ industry: 'hospitality', tier: 'professional', percentile: 25 });
  });

  it('works for the other industries', () => {
    expect(benchmarkPosition(2_500 * USD, 'saas')).toEqual({
      industry: 'saas',
      tier: 'professional',
      percentile: 50,
    });
    expect(benchmarkPosition(80 * USD, 'ecommerce')).toEqual({
      industry: 'ecommerce',
      tier: 'starter',
      percentile: 50,
    });
  });

  it('rejects an unknown industry and a spend that is not a non-negative integer', () => {
    expect(pathOf(() => benchmarkPosition(1, 'mining'))).toBe('industry');
    expect(pathOf(() => benchmarkPosition(-1, 'hospitality'))).toBe('monthlyCostNano');
    expect(pathOf(() => benchmarkPosition(1.5, 'hospitality'))).toBe('monthlyCostNano');
    expect(pathOf(() => benchmarkPosition(Number.POSITIVE_INFINITY, 'saas'))).toBe('monthlyCostNano');
  });

  it('never moves down a tier, nor down a percentile within a tier, as spend grows', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INDUSTRIES),
        fc.nat(200_000 * USD),
        fc.nat(200_000 * USD),
        (industry, x, y) => {
          const [low, high] = x <= y ? [x, y] : [y, x];
          const a = benchmarkPosition(low, industry);
          const b = benchmarkPosition(high, industry);
          expect(Number.isInteger(a.percentile) && a.percentile >= 0 && a.percentile <= 100).toBe(true);
          const rank = (t: string) => BENCHMARK_TIERS.indexOf(t as (typeof BENCHMARK_TIERS)[number]);
          expect(rank(b.tier)).toBeGreaterThanOrEqual(rank(a.tier));
          if (a.tier === b.tier) expect(b.percentile).toBeGreaterThanOrEqual(a.percentile);
        },
      ),
    );
  });
});
