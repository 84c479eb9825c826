import { UnknownModelError, ValidationError } from '../errors.js';
import { addNano, costOfTokens } from '../money.js';
import { parseInstantOrDay } from '../periods.js';
import { type Catalog, DEFAULT_CATALOG, effectiveMillis } from './catalog.js';
import { resolveModel } from './model-id.js';
import type {
  EffectivePrice,
  ModelEntry,
  PricedUsage,
  PriceUsageInput,
  PriceVersion,
  Scope,
  TokenRates,
} from './types.js';

/**
 * The version of `model` in force at epoch millisecond `atMillis`:
 * - a tenant's version wins from its `effectiveFrom`: the latest tenant version not after
 *   `atMillis`, if any;
 * - otherwise the latest catalog or sync version not after it (at an equal `effectiveFrom`, the
 *   one added later);
 * - an instant before every version gets the model's first catalog or sync version, so usage
 *   recorded before a model's catalog history starts is still priced. A model with tenant
 *   versions only has no price before the first of them.
 * @throws UnknownModelError when no version applies.
 */
export function versionAt(model: ModelEntry, atMillis: number): PriceVersion {
  let tenant: PriceVersion | undefined;
  let service: PriceVersion | undefined;
  let firstService: PriceVersion | undefined;
  for (const candidate of model.prices) {
    const isTenant = candidate.source === 'tenant';
    if (!isTenant) firstService ??= candidate;
    if (effectiveMillis(candidate.effectiveFrom) > atMillis) continue;
    if (isTenant) tenant = candidate;
    else service = candidate;
  }
  const version = tenant ?? service ?? firstService;
  if (!version) throw new UnknownModelError(model.modelId);
  return version;
}

/**
 * The prices of `model` for calls of `scope` at the ISO timestamp `at`. Global calls get the
 * version's `globalRates` where the model has them; geo and in-region calls get `rates`.
 * A timestamp before the model's first price version uses that first version.
 * @throws ValidationError when `at` is not an ISO-8601 timestamp with a zone.
 */
export function priceAt(model: ModelEntry, at: string, scope: Scope): EffectivePrice {
  const version = versionAt(model, parseInstantOrDay(at));
  const useGlobal = scope === 'global';
  const longContext = version.longContext
    ? {
        aboveInputTokens: version.longContext.aboveInputTokens,
        rates: (useGlobal ? version.longContext.globalRates : undefined) ?? version.longContext.rates,
      }
    : null;
  return {
    modelId: model.modelId,
    scope,
    version: version.version,
    effectiveFrom: version.effectiveFrom,
    rates: (useGlobal ? version.globalRates : undefined) ?? version.rates,
    longContext,
  };
}

function tokenCount(value: number | undefined, path: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${path} must be a non-negative integer, got ${String(value)}`, [
      { path, message: 'must be an integer >= 0' },
    ]);
  }
  return value;
}

function cacheRate(rate: number | null, tokens: number, modelId: string, path: string): number {
  if (rate !== null) return rate;
  if (tokens > 0) {
    throw new ValidationError(`${modelId} has no prompt caching on Amazon Bedrock; ${path} must be 0`, [
      { path, message: `model ${modelId} has no prompt caching` },
    ]);
  }
  return 0;
}

/**
 * Prices one model call in nano-USD with Bedrock Converse semantics: `inputTokens` is the
 * non-cached input; cache reads and writes are separate counts at their own rates, so no token
 * is counted twice. Each of the four parts is rounded once (half to even, {@link costOfTokens})
 * and `costNano` is exactly their sum.
 *
 * - The model id is resolved with {@link resolveModel}; its scope picks global or regional rates.
 * - The price version in force at `at` is used; a timestamp before the model's first version
 *   uses the first version.
 * - When the model has a long-context tier and `inputTokens + cacheReadInputTokens +
 *   cacheWriteInputTokens` exceeds its threshold, every part of the call uses the long-context rates.
 *
 * - `cacheWrite1hInputTokens`, the part of the cache writes with a 1-hour time-to-live, bill at the
 *   model's 1-hour cache-write rate where it lists one, else at its cache-write rate; they are
 *   part of `cacheWriteNano`.
 *
 * `catalog` defaults to the built-in catalog.
 *
 * @throws UnknownModelError for an id outside the catalog, or a model with no price at `at`.
 * @throws ValidationError naming the field (`inputTokens`, `outputTokens`, `cacheReadInputTokens`,
 *   `cacheWriteInputTokens`, `cacheWrite1hInputTokens`, `at`) for a negative or fractional count,
 *   more 1-hour writes than writes, cache tokens on a model without prompt caching, or a malformed
 *   timestamp.
 */
export function priceUsage(input: PriceUsageInput, catalog: Catalog = DEFAULT_CATALOG): PricedUsage {
  const inputTokens = tokenCount(input.usage.inputTokens, 'inputTokens');
  const outputTokens = tokenCount(input.usage.outputTokens, 'outputTokens');
  const cacheReadTokens = tokenCount(input.usage.cacheReadInputTokens, 'cacheReadInputTokens');
  const cacheWriteTokens = tokenCount(input.usage.cacheWriteInputTokens, 'cacheWriteInputTokens');
  const cacheWrite1hTokens = tokenCount(input.usage.cacheWrite1hInputTokens, 'cacheWrite1hInputTokens');
  if (cacheWrite1hTokens > cacheWriteTokens) {
    throw new ValidationError('cacheWrite1hInputTokens must not exceed cacheWriteInputTokens', [
      { path: 'cacheWrite1hInputTokens', message: 'must be at most cacheWriteInputTokens' },
    ]);
  }
  const { model, scope } = resolveModel(input.modelId, catalog);
  const price = priceAt(model, input.at, scope);

  const totalInput = inputTokens + cacheReadTokens + cacheWriteTokens;
  const tier = price.longContext;
  const rates: TokenRates = tier && totalInput > tier.aboveInputTokens ? tier.rates : price.rates;

  const readRate = cacheRate(
    rates.cacheReadNanoPerMTok,
    cacheReadTokens,
    model.modelId,
    'cacheReadInputTokens',
  );
  const writeRate = cacheRate(
    rates.cacheWriteNanoPerMTok,
    cacheWriteTokens,
    model.modelId,
    'cacheWriteInputTokens',
  );
  const breakdown = {
    inputNano: costOfTokens(inputTokens, rates.inputNanoPerMTok),
    outputNano: costOfTokens(outputTokens, rates.outputNanoPerMTok),
    cacheReadNano: costOfTokens(cacheReadTokens, readRate),
    cacheWriteNano: addNano(
      costOfTokens(cacheWriteTokens - cacheWrite1hTokens, writeRate),
      costOfTokens(cacheWrite1hTokens, rates.cacheWrite1hNanoPerMTok ?? writeRate),
    ),
  };
  return {
    modelId: model.modelId,
    scope,
    costNano: addNano(
      breakdown.inputNano,
      breakdown.outputNano,
      breakdown.cacheReadNano,
      breakdown.cacheWriteNano,
    ),
    breakdown,
    priceVersion: price.version,
    longContext: rates !== price.rates,
  };
}
