import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { fromUsd } from '../src/money.js';
import { CATALOG, priceAt } from '../src/pricing/index.js';
import type { EffectivePrice, ModelEntry, Scope, TokenRates } from '../src/pricing/types.js';

/*
 * Cross-check of our catalog against the price data bundled with @pydantic/genai-prices
 * (provider `aws`). Every model both know is compared at one instant, field by field. A
 * difference must be listed, with its reason, in EXPLAINED_DIFFERENCES; a listed difference that
 * has disappeared fails the test too, so the table cannot rot.
 */

const COMPARE_AT = '2026-11-01T00:00:00Z';

type Field = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'longContext';
type ComparedScope = Extract<Scope, 'in-region' | 'global'>;

interface Difference {
  modelId: string;
  scope: ComparedScope;
  field: Field;
}

interface ExplainedDifference extends Difference {
  reason: string;
}

const NOVA_CACHE_WRITE =
  'genai-prices lists no cache-write rate for Nova; Bedrock charges no cache-write surcharge for Nova, so we bill written tokens at the input rate';
const SONNET_LONG_CONTEXT =
  'genai-prices has no long-context tier for this model on Bedrock; Bedrock bills requests above 200k input tokens at x2 input/cache and x1.5 output';

const EXPLAINED_DIFFERENCES: ExplainedDifference[] = [
  {
    modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    scope: 'in-region',
    field: 'cacheRead',
    reason:
      'genai-prices copies the Anthropic API cache rates; the Bedrock price list has none (N/A) for Claude 3.5 Sonnet v1',
  },
  {
    modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    scope: 'in-region',
    field: 'cacheWrite',
    reason:
      'genai-prices copies the Anthropic API cache rates; the Bedrock price list has none (N/A) for Claude 3.5 Sonnet v1',
  },
  {
    modelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
    scope: 'in-region',
    field: 'longContext',
    reason: SONNET_LONG_CONTEXT,
  },
  {
    modelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
    scope: 'global',
    field: 'longContext',
    reason: SONNET_LONG_CONTEXT,
  },
  {
    modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    scope: 'in-region',
    field: 'longContext',
    reason: SONNET_LONG_CONTEXT,
  },
  {
    modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    scope: 'global',
    field: 'longContext',
    reason: SONNET_LONG_CONTEXT,
  },
  { modelId: 'amazon.nova-micro-v1:0', scope: 'in-region', field: 'cacheWrite', reason: NOVA_CACHE_WRITE },
  { modelId: 'amazon.nova-lite-v1:0', scope: 'in-region', field: 'cacheWrite', reason: NOVA_CACHE_WRITE },
  { modelId: 'amazon.nova-pro-v1:0', scope: 'in-region', field: 'cacheWrite', reason: NOVA_CACHE_WRITE },
  { modelId: 'amazon.nova-premier-v1:0', scope: 'in-region', field: 'cacheWrite', reason: NOVA_CACHE_WRITE },
];

/** Catalog models genai-prices (the installed version) does not price on Bedrock. */
const UNKNOWN_TO_GENAI_PRICES = ['meta.llama3-1-405b-instruct-v1:0', 'mistral.mistral-large-2407-v1:0'];

type GenaiValue = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

const FIELDS: [Exclude<Field, 'longContext'>, keyof TokenRates, string][] = [
  ['input', 'inputNanoPerMTok', 'input_mtok'],
  ['output', 'outputNanoPerMTok', 'output_mtok'],
  ['cacheRead', 'cacheReadNanoPerMTok', 'cache_read_mtok'],
  ['cacheWrite', 'cacheWriteNanoPerMTok', 'cache_write_mtok'],
];

function nanoOf(usd: number): number {
  return fromUsd(usd);
}

function baseOf(value: GenaiValue): number | null {
  if (value === undefined) return null;
  return nanoOf(typeof value === 'number' ? value : value.base);
}

/** A comparable text for a long-context tier: threshold and the four rates, or `none`. */
function ourTier(price: EffectivePrice): string {
  const tier = price.longContext;
  if (!tier) return 'none';
  return `>${tier.aboveInputTokens}: ${FIELDS.map(([, key]) => tier.rates[key]).join('/')}`;
}

function genaiTier(modelPrice: Record<string, GenaiValue>): string {
  const tiered = FIELDS.map(([, , key]) => modelPrice[key]).filter(
    (value): value is Exclude<GenaiValue, number | undefined> => typeof value === 'object',
  );
  const first = tiered[0]?.tiers[0];
  if (!first) return 'none';
  const rates = FIELDS.map(([, , key]) => {
    const value = modelPrice[key];
    return typeof value === 'object' ? nanoOf(value.tiers[0]?.price ?? Number.NaN) : baseOf(value);
  });
  return `>${first.start}: ${rates.join('/')}`;
}

interface Comparison {
  model: ModelEntry;
  scope: ComparedScope;
  genaiModelId: string;
  differences: Difference[];
}

function genaiPrice(requestId: string) {
  const result = calcPrice({ input_tokens: 1000, output_tokens: 1000 }, requestId, {
    providerId: 'aws',
    timestamp: new Date(COMPARE_AT),
  });
  return result && result.provider.id === 'aws' ? result : null;
}

function compare(model: ModelEntry, scope: ComparedScope): Comparison | null {
  const requestId = scope === 'global' ? `global.${model.modelId}` : model.modelId;
  const genai = genaiPrice(requestId);
  if (!genai) return null;
  // Compare the global scope only where genai-prices has a global entry of its own.
  if (scope === 'global' && !genai.model.id.startsWith('global.')) return null;
  const ours = priceAt(model, COMPARE_AT, scope);
  const theirs = genai.model_price as Record<string, GenaiValue>;
  const differences: Difference[] = [];
  for (const [field, ourKey, theirKey] of FIELDS) {
    if (ours.rates[ourKey] !== baseOf(theirs[theirKey]))
      differences.push({ modelId: model.modelId, scope, field });
  }
  if (ourTier(ours) !== genaiTier(theirs))
    differences.push({ modelId: model.modelId, scope, field: 'longContext' });
  return { model, scope, genaiModelId: genai.model.id, differences };
}

const key = (d: Difference) => `${d.modelId} ${d.scope} ${d.field}`;

describe('cross-check against @pydantic/genai-prices', () => {
  const comparisons = CATALOG.flatMap((model) =>
    (['in-region', 'global'] as const).map((scope) => compare(model, scope)).filter((c) => c !== null),
  );
  const found = comparisons.flatMap((c) => c.differences);
  const explained = new Set(EXPLAINED_DIFFERENCES.map(key));
  const foundKeys = new Set(found.map(key));

  it('compares every catalog model genai-prices knows', () => {
    const compared = new Set(comparisons.map((c) => c.model.modelId));
    const missing = CATALOG.map((m) => m.modelId).filter((id) => !compared.has(id));
    expect(missing).toEqual(UNKNOWN_TO_GENAI_PRICES);
    expect(comparisons.filter((c) => c.scope === 'global').map((c) => c.genaiModelId)).toEqual([
      'global.anthropic.claude-sonnet-4-20250514-v1:0',
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'global.anthropic.claude-haiku-4-5-20251001-v1:0',
      'global.anthropic.claude-opus-4-5-v1:0',
    ]);
  });

  it('has no unexplained difference', () => {
    expect(found.filter((d) => !explained.has(key(d)))).toEqual([]);
  });

  it('lists no explained difference that no longer differs', () => {
    expect(EXPLAINED_DIFFERENCES.filter((d) => !foundKeys.has(key(d)))).toEqual([]);
    expect(EXPLAINED_DIFFERENCES.every((d) => d.reason.length > 20)).toBe(true);
  });

  it('agrees on the reference model and prints a summary', () => {
    const sonnet = comparisons.find(
      (c) => c.model.modelId === 'anthropic.claude-3-5-sonnet-20240620-v1:0' && c.scope === 'in-region',
    );
    expect(sonnet?.differences.map((d) => d.field)).toEqual(['cacheRead', 'cacheWrite']);
    const models = new Set(comparisons.map((c) => c.model.modelId)).size;
    const equal = comparisons.filter((c) => c.differences.length === 0).length;
    console.info(
      `genai-prices cross-check: ${models} models compared (${comparisons.length} model/scope pairs), ` +
        `${equal} pairs equal, ${found.length} explained differences`,
    );
  });
});
