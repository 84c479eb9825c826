import { ValidationError } from './errors.js';
import { fromUsd, type NanoUsd, scaleNano } from './money.js';

export const INDUSTRIES = ['hospitality', 'saas', 'ecommerce'] as const;
export type Industry = (typeof INDUSTRIES)[number];

/** Tiers in ascending order of spend. */
export const BENCHMARK_TIERS = ['starter', 'professional', 'enterprise'] as const;
export type BenchmarkTier = (typeof BENCHMARK_TIERS)[number];

export const BENCHMARK_SOURCE =
  'illustrative reference data: reference figures defined for comparison, not measurements of real customers';

export interface Benchmark {
  readonly industry: Industry;
  readonly tier: BenchmarkTier;
  readonly description: string;
  /** Monthly LLM spend quartiles (and 90th percentile) of the tier, nano-USD. */
  readonly monthlyCostNano: {
    readonly p25: NanoUsd;
    readonly p50: NanoUsd;
    readonly p75: NanoUsd;
    readonly p90: NanoUsd;
  };
  readonly monthlyRequests: { readonly p25: number; readonly p50: number; readonly p75: number };
  /** Median spend over median requests, rounded half to even to a nano-dollar. */
  readonly avgCostPerRequestNano: NanoUsd;
  readonly typicalModels: readonly string[];
  readonly source: string;
}

const NOVA_MICRO = 'amazon.nova-micro-v1:0';
const NOVA_LITE = 'amazon.nova-lite-v1:0';
const NOVA_PRO = 'amazon.nova-pro-v1:0';
const HAIKU_3 = 'anthropic.claude-3-haiku-20240307-v1:0';
const HAIKU_35 = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const SONNET_35 = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const SONNET_4 = 'anthropic.claude-sonnet-4-20250514-v1:0';
const LLAMA_70B = 'meta.llama3-1-70b-instruct-v1:0';

function benchmark(
  industry: Industry,
  tier: BenchmarkTier,
  description: string,
  costUsd: [p25: number, p50: number, p75: number, p90: number],
  requests: [p25: number, p50: number, p75: number],
  typicalModels: string[],
): Benchmark {
  const [c25, c50, c75, c90] = costUsd.map(fromUsd) as [NanoUsd, NanoUsd, NanoUsd, NanoUsd];
  const [r25, r50, r75] = requests;
  return Object.freeze({
    industry,
    tier,
    description,
    monthlyCostNano: Object.freeze({ p25: c25, p50: c50, p75: c75, p90: c90 }),
    monthlyRequests: Object.freeze({ p25: r25, p50: r50, p75: r75 }),
    avgCostPerRequestNano: scaleNano(c50, 1, r50),
    typicalModels: Object.freeze([...typicalModels]),
    source: BENCHMARK_SOURCE,
  });
}

/**
 * Reference benchmark figures, the seed of the benchmarks table: per industry, tiers in
 * ascending order with contiguous ranges (a tier's p90 is the next tier's p25).
 * Illustrative reference figures, not measurements.
 */
export const BENCHMARKS: readonly Benchmark[] = Object.freeze([
  benchmark(
    'hospitality',
    'starter',
    'Independent hotel or small group: guest messaging assistant, review replies and listing texts.',
    [50, 120, 250, 400],
    [10_000, 25_000, 50_000],
    [HAIKU_3, NOVA_LITE],
  ),
  benchmark(
    'hospitality',
    'professional',
    'Regional chain: multilingual guest concierge, booking support and revenue-management summaries.',
    [400, 900, 1_800, 3_000],
    [60_000, 150_000, 300_000],
    [HAIKU_35, SONNET_35, NOVA_PRO],
  ),
  benchmark(
    'hospitality',
    'enterprise',
    'International hotel group or platform: concierge at scale, contact-centre automation and analytics.',
    [3_000, 8_000, 18_000, 35_000],
    [400_000, 1_000_000, 2_500_000],
    [SONNET_35, SONNET_4, HAIKU_35, NOVA_PRO],
  ),
  benchmark(
    'saas',
    'starter',
    'Early-stage product: one in-app assistant or summarisation feature.',
    [100, 300, 600, 1_000],
    [20_000, 50_000, 100_000],
    [HAIKU_35, NOVA_LITE],
  ),
  benchmark(
    'saas',
    'professional',
    'Growth-stage product: several AI features, retrieval-augmented search, code or document review.',
    [1_000, 2_500, 5_000, 8_000],
    [150_000, 400_000, 800_000],
    [SONNET_35, HAIKU_35, LLAMA_70B],
  ),
  benchmark(
    'saas',
    'enterprise',
    'Large multi-tenant platform: agents, retrieval at scale and batch enrichment.',
    [8_000, 20_000, 45_000, 80_000],
    [1_000_000, 3_000_000, 7_000_000],
    [SONNET_4, SONNET_35, HAIKU_35, NOVA_PRO],
  ),
  benchmark(
    'ecommerce',
    'starter',
    'Small shop: product descriptions and a customer-service chatbot.',
    [30, 80, 180, 300],
    [8_000, 20_000, 45_000],
    [NOVA_MICRO, HAIKU_3],
  ),
  benchmark(
    'ecommerce',
    'professional',
    'Mid-size retailer: catalogue enrichment, search relevance and support automation.',
    [300, 800, 1_600, 2_800],
    [80_000, 200_000, 450_000],
    [NOVA_LITE, HAIKU_35, SONNET_35],
  ),
  benchmark(
    'ecommerce',
    'enterprise',
    'Marketplace: personalisation, review moderation and multilingual catalogues at scale.',
    [2_800, 7_000, 15_000, 30_000],
    [700_000, 2_000_000, 5_000_000],
    [NOVA_PRO, HAIKU_35, SONNET_35],
  ),
]);

function checkIndustry(industry: string): Industry {
  if ((INDUSTRIES as readonly string[]).includes(industry)) return industry as Industry;
  throw new ValidationError(`unknown industry '${industry}'`, [
    { path: 'industry', message: `must be one of ${INDUSTRIES.join(', ')}` },
  ]);
}

function checkTier(tier: string): BenchmarkTier {
  if ((BENCHMARK_TIERS as readonly string[]).includes(tier)) return tier as BenchmarkTier;
  throw new ValidationError(`unknown tier '${tier}'`, [
    { path: 'tier', message: `must be one of ${BENCHMARK_TIERS.join(', ')}` },
  ]);
}

/**
 * The benchmark entries matching the filter (all of them without one), in seed order.
 * Throws `ValidationError` (path `industry` or `tier`) for a value that is not known.
 */
export function getBenchmarks(filter: { industry?: string; tier?: string } = {}): Benchmark[] {
  const industry = filter.industry === undefined ? undefined : checkIndustry(filter.industry);
  const tier = filter.tier === undefined ? undefined : checkTier(filter.tier);
  return BENCHMARKS.filter(
    (b) => (industry === undefined || b.industry === industry) && (tier === undefined || b.tier === tier),
  );
}

export interface BenchmarkPosition {
  tier: BenchmarkTier;
  industry: Industry;
  /** 0..100, integer: where the spend sits within the chosen tier's distribution. */
  percentile: number;
}

/** Linear interpolation of `x` between the points (x0, y0) and (x1, y1). */
function lerp(x: number, x0: number, y0: number, x1: number, y1: number): number {
  return y0 + ((x - x0) * (y1 - y0)) / (x1 - x0);
}

/**
 * Percentile of a monthly spend inside one tier, piecewise linear through
 * (0, 0), (p25, 25), (p50, 50), (p75, 75), (p90, 90) and (2 x p90, 100), capped at 100.
 */
function percentileWithin(spend: NanoUsd, c: Benchmark['monthlyCostNano']): number {
  let value: number;
  if (spend <= c.p25) value = lerp(spend, 0, 0, c.p25, 25);
  else if (spend <= c.p50) value = lerp(spend, c.p25, 25, c.p50, 50);
  else if (spend <= c.p75) value = lerp(spend, c.p50, 50, c.p75, 75);
  else if (spend <= c.p90) value = lerp(spend, c.p75, 75, c.p90, 90);
  else value = Math.min(100, lerp(spend, c.p90, 90, 2 * c.p90, 100));
  return Math.round(value);
}

/**
 * Places a monthly spend among an industry's tiers: the smallest tier whose p90 is not below
 * the spend (so the tier whose p25..p90 range holds it, the smallest one when below every range,
 * the next one up in a gap between ranges), or the largest tier when above all of them; then the
 * percentile inside that tier. Throws `ValidationError` for an unknown industry (path `industry`)
 * or a spend that is not a non-negative integer (path `monthlyCostNano`).
 */
export function benchmarkPosition(monthlyCostNano: NanoUsd, industry: string): BenchmarkPosition {
  const known = checkIndustry(industry);
  if (!Number.isSafeInteger(monthlyCostNano) || monthlyCostNano < 0) {
    throw new ValidationError('monthly cost must be a non-negative nano-USD integer', [
      { path: 'monthlyCostNano', message: `${monthlyCostNano} is not a non-negative integer` },
    ]);
  }
  const tiers = BENCHMARKS.filter((b) => b.industry === known);
  const chosen = tiers.find((b) => monthlyCostNano <= b.monthlyCostNano.p90) ?? tiers[tiers.length - 1]!;
  return {
    tier: chosen.tier,
    industry: known,
    percentile: percentileWithin(monthlyCostNano, chosen.monthlyCostNano),
  };
}
