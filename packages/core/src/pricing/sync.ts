import type { Catalog } from './catalog.js';
import { effectiveMillis } from './catalog.js';
import type { AddedPriceVersion } from './merge.js';
import { parseBedrockModelId, tryResolveModel } from './model-id.js';
import type { LongContextTier, ModelEntry, PriceVersion, TokenRates } from './types.js';

/*
 * A price sync compares the catalog a newer genai-prices data set yields (converted, with the
 * Bedrock overlay and the names and first days of the legacy models, exactly as the release's
 * catalog is built: `catalogEntriesOf`) with the service's current catalog (the release's catalog
 * plus the versions earlier syncs added), and plans what to add. It never rewrites history:
 * - a model the current catalog lacks is added with all its versions;
 * - a version at an instant the current catalog's model has no version at is added;
 * - a version at an instant the current catalog already has, with other figures, is reported
 *   and left as it is (a correction of a past price would reprice nothing and change what
 *   records already name; a new price arrives as a new dated version).
 */

/** A version whose instant the current catalog already prices with other figures: kept as it is. */
export interface SyncDifference {
  readonly modelId: string;
  readonly effectiveFrom: string;
  /** The version in force, as records name it. */
  readonly version: string;
}

export interface PriceSyncPlan {
  /** Versions to add to the service scope (source `sync`), in model and time order. */
  readonly add: readonly AddedPriceVersion[];
  /** Models the current catalog lacks, among `add`. */
  readonly newModels: readonly string[];
  /** Versions the data set prices differently at an instant the catalog already has (not added). */
  readonly differing: readonly SyncDifference[];
  /** Models of the data set that cannot be added (an id that is not a Bedrock model id). */
  readonly skipped: readonly { modelId: string; reason: string }[];
}

const NOTE = 'price sync (genai-prices)';

function sameRates(a: TokenRates | undefined, b: TokenRates | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.inputNanoPerMTok === b.inputNanoPerMTok &&
    a.outputNanoPerMTok === b.outputNanoPerMTok &&
    a.cacheReadNanoPerMTok === b.cacheReadNanoPerMTok &&
    a.cacheWriteNanoPerMTok === b.cacheWriteNanoPerMTok &&
    a.cacheWrite1hNanoPerMTok === b.cacheWrite1hNanoPerMTok
  );
}

function sameLongContext(a: LongContextTier | undefined, b: LongContextTier | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.aboveInputTokens === b.aboveInputTokens &&
    sameRates(a.rates, b.rates) &&
    sameRates(a.globalRates, b.globalRates)
  );
}

/** True when two versions bill every call alike. */
export function samePrices(
  a: Pick<PriceVersion, 'rates' | 'globalRates' | 'longContext'>,
  b: Pick<PriceVersion, 'rates' | 'globalRates' | 'longContext'>,
): boolean {
  return (
    sameRates(a.rates, b.rates) &&
    sameRates(a.globalRates, b.globalRates) &&
    sameLongContext(a.longContext, b.longContext)
  );
}

function added(modelId: string, version: PriceVersion, name?: string): AddedPriceVersion {
  return {
    modelId,
    effectiveFrom: version.effectiveFrom,
    source: 'sync',
    note: NOTE,
    ...(name ? { modelName: name } : {}),
    rates: version.rates,
    ...(version.globalRates ? { globalRates: version.globalRates } : {}),
    ...(version.longContext ? { longContext: version.longContext } : {}),
  };
}

/**
 * What a price sync adds to the service scope so that `current` prices what `candidate` (the
 * entries of a newer data set, `catalogEntriesOf(data)`) prices, without rewriting any version
 * `current` has. Pure and deterministic; applying the plan and planning again yields nothing.
 */
export function planPriceSync(current: Catalog, candidate: readonly ModelEntry[]): PriceSyncPlan {
  const add: AddedPriceVersion[] = [];
  const newModels: string[] = [];
  const differing: SyncDifference[] = [];
  const skipped: { modelId: string; reason: string }[] = [];
  for (const entry of candidate) {
    const known = tryResolveModel(entry.modelId, current)?.model;
    if (!known) {
      const parsed = parseBedrockModelId(entry.modelId);
      if (!parsed) {
        skipped.push({ modelId: entry.modelId, reason: 'not a Bedrock model id' });
        continue;
      }
      newModels.push(parsed.canonicalId);
      for (const version of entry.prices) add.push(added(parsed.canonicalId, version, entry.name));
      continue;
    }
    const byInstant = new Map<number, PriceVersion>();
    // The last version at an instant is the one in force there (a sync's over the catalog's).
    for (const version of known.prices) byInstant.set(effectiveMillis(version.effectiveFrom), version);
    for (const version of entry.prices) {
      const have = byInstant.get(effectiveMillis(version.effectiveFrom));
      if (!have) add.push(added(known.modelId, version));
      else if (!samePrices(have, version)) {
        differing.push({
          modelId: known.modelId,
          effectiveFrom: version.effectiveFrom,
          version: have.version,
        });
      }
    }
  }
  return { add, newModels, differing, skipped };
}
