import { ValidationError } from './errors.js';
import { type NanoUsd, scaleNano, sumNano, toUsd } from './money.js';

export type RecommendationType =
  | 'model_downgrade'
  | 'prompt_caching'
  | 'batch_inference'
  | 'output_reduction';

export interface Recommendation {
  type: RecommendationType;
  title: string;
  description: string;
  /** Estimated saving over 30 days, nano-USD, always > 0. Savings of different items are not additive. */
  estimatedMonthlySavingsNano: NanoUsd;
  /** 0..1, two decimals. */
  confidence: number;
  /** Set on recommendations about one model; absent on account-wide ones (batch inference). */
  modelId?: string;
}

/** Token counts in the shape of Bedrock Converse `usage`. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** Prices `usage` on `modelId` now, in nano-USD (e.g. `priceUsage(...).costNano`). */
export type Pricer = (modelId: string, usage: TokenCounts) => NanoUsd;

export interface ModelUsage extends TokenCounts {
  modelId: string;
  requests: number;
  /** What the usage actually cost over the window. */
  costNano: NanoUsd;
}

export interface OperationUsage {
  operation: string;
  requests: number;
  costNano: NanoUsd;
}

export interface RecommendInput {
  /** Usage per model over the observed window. */
  byModel: ModelUsage[];
  /** Length of the observed window in days (positive integer); savings are scaled to 30 days. */
  windowDays: number;
  /** Usage per operation over the same window; names the largest ones in the batch advice. */
  byOperation?: OperationUsage[];
  pricer: Pricer;
  /** Model id -> a cheaper model id of acceptable quality for a downgrade. */
  cheaperAlternatives: Record<string, string>;
  /** Whether a model supports prompt caching. */
  cachingSupported: (modelId: string) => boolean;
  /** Whether a model supports Bedrock batch inference; every model when omitted. */
  batchSupported?: (modelId: string) => boolean;
}

/** Days the monthly estimates are scaled to. */
export const SAVINGS_MONTH_DAYS = 30;

/** Average prompt (non-cached + cache read + cache write) per request from which caching is suggested. */
export const CACHING_MIN_AVG_PROMPT_TOKENS = 2_000;
/** Caching is suggested only while cache reads are below this share of all input tokens. */
export const CACHING_MAX_CACHE_READ_SHARE = 0.1;
/** Assumed share (percent) of non-cached input that a cached prompt prefix could serve. */
export const CACHING_ASSUMED_CACHEABLE_PERCENT = 50;

/** Assumed share (percent) of spend that tolerates batch latency (results within 24 hours). */
export const BATCH_ASSUMED_BATCHABLE_PERCENT = 30;
/** Bedrock batch inference discount on on-demand prices, percent. */
export const BATCH_DISCOUNT_PERCENT = 50;

/** Average output tokens per request above which trimming output is suggested. */
export const OUTPUT_MIN_AVG_TOKENS = 1_000;
/** Assumed reduction (percent) of output tokens from tighter instructions and max-token limits. */
export const OUTPUT_ASSUMED_TRIM_PERCENT = 20;

const BASE_CONFIDENCE: Record<RecommendationType, number> = {
  model_downgrade: 0.6,
  prompt_caching: 0.6,
  batch_inference: 0.4,
  output_reduction: 0.5,
};

/** Windows at least this long count as full evidence; shorter ones lower the confidence. */
const FULL_EVIDENCE_DAYS = 14;

const TYPE_ORDER: RecommendationType[] = [
  'model_downgrade',
  'prompt_caching',
  'batch_inference',
  'output_reduction',
];

const USD_FORMAT = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** A saving for prose: whole cents with separators, or "less than $0.01". */
function usd(value: NanoUsd): string {
  return value < 5_000_000 ? 'less than $0.01' : USD_FORMAT.format(toUsd(value));
}

function confidenceFor(type: RecommendationType, windowDays: number): number {
  const evidence = Math.min(1, windowDays / FULL_EVIDENCE_DAYS);
  return Math.round(BASE_CONFIDENCE[type] * (0.5 + 0.5 * evidence) * 100) / 100;
}

function onlyInput(inputTokens: number, cacheReadInputTokens = 0): TokenCounts {
  return { inputTokens, outputTokens: 0, cacheReadInputTokens, cacheWriteInputTokens: 0 };
}

function onlyOutput(outputTokens: number): TokenCounts {
  return { inputTokens: 0, outputTokens, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
}

function tokensOf(m: ModelUsage): TokenCounts {
  return {
    inputTokens: m.inputTokens,
    outputTokens: m.outputTokens,
    cacheReadInputTokens: m.cacheReadInputTokens,
    cacheWriteInputTokens: m.cacheWriteInputTokens,
  };
}

function modelDowngrade(m: ModelUsage, input: RecommendInput, monthly: (n: NanoUsd) => NanoUsd) {
  const alternative = input.cheaperAlternatives[m.modelId];
  if (alternative === undefined || alternative === m.modelId) return undefined;
  const alternativeCost = input.pricer(alternative, tokensOf(m));
  const savings = monthly(m.costNano - alternativeCost);
  if (savings <= 0) return undefined;
  const percent = Math.round(((m.costNano - alternativeCost) / m.costNano) * 100);
  return {
    type: 'model_downgrade' as const,
    modelId: m.modelId,
    title: `Move suitable requests from ${m.modelId} to ${alternative}`,
    description:
      `The same tokens on ${alternative} would have cost ${percent} % less, about ${usd(savings)} a month. ` +
      'A smaller model can answer complex tasks less well: check quality on a sample of your own ' +
      'requests before switching, which is why the confidence is only moderate.',
    estimatedMonthlySavingsNano: savings,
  };
}

function promptCaching(m: ModelUsage, input: RecommendInput, monthly: (n: NanoUsd) => NanoUsd) {
  if (m.requests <= 0 || !input.cachingSupported(m.modelId)) return undefined;
  const allInput = m.inputTokens + m.cacheReadInputTokens + m.cacheWriteInputTokens;
  if (allInput / m.requests < CACHING_MIN_AVG_PROMPT_TOKENS) return undefined;
  if (m.cacheReadInputTokens / allInput >= CACHING_MAX_CACHE_READ_SHARE) return undefined;
  const moved = Math.floor((m.inputTokens * CACHING_ASSUMED_CACHEABLE_PERCENT) / 100);
  const before = input.pricer(m.modelId, onlyInput(m.inputTokens));
  const after = input.pricer(m.modelId, onlyInput(m.inputTokens - moved, moved));
  const savings = monthly(before - after);
  if (savings <= 0) return undefined;
  return {
    type: 'prompt_caching' as const,
    modelId: m.modelId,
    title: `Cache the repeated prompt prefix on ${m.modelId}`,
    description:
      `Requests send ${Math.round(allInput / m.requests)} input tokens on average and few come from the ` +
      `prompt cache. If ${CACHING_ASSUMED_CACHEABLE_PERCENT} % of the input (system prompt, tools, shared ` +
      `documents) were read from the cache, input would cost about ${usd(savings)} a month less, before ` +
      'the cache-write charge paid each time a cached prefix is written or expires.',
    estimatedMonthlySavingsNano: savings,
  };
}

function outputReduction(m: ModelUsage, input: RecommendInput, monthly: (n: NanoUsd) => NanoUsd) {
  if (m.requests <= 0 || m.outputTokens / m.requests <= OUTPUT_MIN_AVG_TOKENS) return undefined;
  const outputCost = input.pricer(m.modelId, onlyOutput(m.outputTokens));
  const totalCost = input.pricer(m.modelId, tokensOf(m));
  if (outputCost * 2 <= totalCost) return undefined;
  const trimmed = Math.floor((m.outputTokens * OUTPUT_ASSUMED_TRIM_PERCENT) / 100);
  const savings = monthly(outputCost - input.pricer(m.modelId, onlyOutput(m.outputTokens - trimmed)));
  if (savings <= 0) return undefined;
  return {
    type: 'output_reduction' as const,
    modelId: m.modelId,
    title: `Shorten responses from ${m.modelId}`,
    description:
      `Responses average ${Math.round(m.outputTokens / m.requests)} tokens and output is most of this ` +
      `model's cost. Asking for concise answers and setting maxTokens to cut output by ` +
      `${OUTPUT_ASSUMED_TRIM_PERCENT} % would save about ${usd(savings)} a month.`,
    estimatedMonthlySavingsNano: savings,
  };
}

function batchInference(input: RecommendInput) {
  const supported = input.batchSupported ?? (() => true);
  const models = input.byModel.filter((m) => supported(m.modelId));
  const cost = sumNano(models.map((m) => m.costNano));
  // 30/windowDays months x batchable share x discount, rounded once.
  const savings = scaleNano(
    cost,
    SAVINGS_MONTH_DAYS * BATCH_ASSUMED_BATCHABLE_PERCENT * BATCH_DISCOUNT_PERCENT,
    input.windowDays * 100 * 100,
  );
  if (savings <= 0) return undefined;
  const operations = [...(input.byOperation ?? [])]
    .sort((a, b) => b.costNano - a.costNano)
    .slice(0, 3)
    .map((o) => o.operation);
  const candidates = operations.length > 0 ? ` Candidates: ${operations.join(', ')}.` : '';
  return {
    type: 'batch_inference' as const,
    title: 'Run latency-tolerant work through Bedrock batch inference',
    description:
      `Batch inference costs ${BATCH_DISCOUNT_PERCENT} % of on-demand prices and returns results within ` +
      `24 hours. If ${BATCH_ASSUMED_BATCHABLE_PERCENT} % of the spend on supporting models (reports, ` +
      `evaluations, bulk classification or enrichment) can wait, that saves about ${usd(savings)} a month.` +
      candidates,
    estimatedMonthlySavingsNano: savings,
  };
}

function compareRecommendations(a: Recommendation, b: Recommendation): number {
  if (a.estimatedMonthlySavingsNano !== b.estimatedMonthlySavingsNano) {
    return b.estimatedMonthlySavingsNano - a.estimatedMonthlySavingsNano;
  }
  const byType = TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type);
  if (byType !== 0) return byType;
  const modelA = String(a.modelId);
  const modelB = String(b.modelId);
  return modelA < modelB ? -1 : modelA > modelB ? 1 : 0;
}

/**
 * Cost-saving recommendations for the usage observed over `windowDays` days, most valuable
 * first. Each saving is an estimate over 30 days (`scaleNano(windowSaving, 30, windowDays)`)
 * under the assumptions exported above; items with no saving are left out. Savings of different
 * items overlap (a downgraded model also caches), so they must not be added up.
 * Throws `ValidationError` when `windowDays` is not a positive integer; errors of `pricer`
 * (e.g. an unknown alternative model) propagate.
 */
export function recommend(input: RecommendInput): Recommendation[] {
  if (!Number.isSafeInteger(input.windowDays) || input.windowDays <= 0) {
    throw new ValidationError('windowDays must be a positive integer', [
      { path: 'windowDays', message: `${input.windowDays} is not a positive integer` },
    ]);
  }
  const monthly = (windowNano: NanoUsd) => scaleNano(windowNano, SAVINGS_MONTH_DAYS, input.windowDays);
  const found: Omit<Recommendation, 'confidence'>[] = [];
  for (const m of input.byModel) {
    for (const rule of [modelDowngrade, promptCaching, outputReduction]) {
      const item = rule(m, input, monthly);
      if (item) found.push(item);
    }
  }
  const batch = batchInference(input);
  if (batch) found.push(batch);
  return found
    .map((item) => ({ ...item, confidence: confidenceFor(item.type, input.windowDays) }))
    .sort(compareRecommendations);
}
