import { parseInstantOrDay } from '../periods.js';
import data from './data/bedrock-catalog.json' with { type: 'json' };
import type { CatalogData, DataModel, DataVersion } from './genai-prices-import.js';
import { LEGACY_MODELS, OVERLAY_MODELS, OVERLAY_PATCHES, UNDATED_FROM } from './overlay.js';
import type { ModelEntry, PriceSource, PriceVersion } from './types.js';

/*
 * The pricing catalog: Amazon Bedrock on-demand prices in integer nano-USD per million tokens
 * (USD 3.00 per MTok = 3_000_000_000), built from the genai-prices data in
 * `data/bedrock-catalog.json` (regenerated with `npm run prices:build`) plus the Bedrock overlay
 * (`overlay.ts`). It is a value: every pricing function takes a `Catalog` and defaults to this one;
 * `mergeCatalog` layers price versions added after the build (a price sync, a tenant's own prices).
 *
 * Scope premium: where Bedrock bills geo cross-region profiles (`us.`, `eu.` …) and in-region
 * calls above the `global.` profile (Claude 4.5 and later, GPT-5.6 …), a version carries both
 * price lists: `rates` for geo/in-region, `globalRates` for global.
 */

/** Lookup tables from every accepted spelling to its catalog entry. */
export interface ModelIndex {
  /** Bedrock ids: canonical, without the trailing `:N` version, other spellings, `:<context>` variants. */
  readonly bedrockIds: ReadonlyMap<string, ModelEntry>;
  /** Aliases, accepted only bare (no profile prefix, no ARN). */
  readonly aliases: ReadonlyMap<string, ModelEntry>;
}

/** A catalog as a value: its entries (stable order) and their lookup index. */
export interface Catalog {
  readonly entries: readonly ModelEntry[];
  readonly index: ModelIndex;
}

/** The Bedrock id spellings of one entry: canonical, without `:N`, other spellings, each context variant. */
export function bedrockIdsOf(model: ModelEntry): string[] {
  const ids = [model.modelId];
  const withoutVersion = model.modelId.replace(/:\d+$/, '');
  if (withoutVersion !== model.modelId) ids.push(withoutVersion);
  for (const spelling of model.spellings ?? []) {
    // `…-v1` (a genai-prices prefix rule) also stands for its first Bedrock revision `…-v1:0`.
    const forms = /-v\d+$/.test(spelling) ? [spelling, `${spelling}:0`] : [spelling];
    for (const form of forms) if (!ids.includes(form)) ids.push(form);
  }
  for (const variant of model.contextVariants) ids.push(`${model.modelId}:${variant}`);
  return ids;
}

/**
 * Builds the lookup tables of a catalog. Throws when two entries claim the same spelling, so
 * an ambiguous catalog can never ship (the catalog test builds the real one).
 */
export function buildModelIndex(entries: readonly ModelEntry[]): ModelIndex {
  const bedrockIds = new Map<string, ModelEntry>();
  const aliases = new Map<string, ModelEntry>();
  const claim = (map: Map<string, ModelEntry>, key: string, model: ModelEntry): void => {
    const owner = bedrockIds.get(key) ?? aliases.get(key);
    if (owner && owner !== model) {
      throw new Error(`model id '${key}' is claimed by both ${owner.modelId} and ${model.modelId}`);
    }
    map.set(key, model);
  };
  for (const model of entries) {
    for (const id of bedrockIdsOf(model)) claim(bedrockIds, id, model);
    for (const alias of model.aliases) claim(aliases, alias, model);
  }
  return { bedrockIds, aliases };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A catalog of `entries` (frozen), with its index. Throws on ambiguous spellings. */
export function buildCatalog(entries: readonly ModelEntry[]): Catalog {
  const frozen = deepFreeze([...entries]);
  return deepFreeze({ entries: frozen, index: buildModelIndex(frozen) });
}

/** The instant (epoch ms) a version applies from: a day at 00:00Z, or an ISO instant. */
export function effectiveMillis(effectiveFrom: string): number {
  return parseInstantOrDay(effectiveFrom, 'effectiveFrom');
}

export function versionId(modelId: string, effectiveFrom: string, source: PriceSource): string {
  return source === 'catalog' ? `${modelId}@${effectiveFrom}` : `${modelId}@${effectiveFrom}#${source}`;
}

function toPriceVersion(modelId: string, v: DataVersion, from: string, note: string): PriceVersion {
  const effectiveFrom = v.effectiveFrom ?? from;
  return {
    version: versionId(modelId, effectiveFrom, 'catalog'),
    effectiveFrom,
    source: 'catalog',
    note,
    rates: v.rates,
    ...(v.globalRates ? { globalRates: v.globalRates } : {}),
    ...(v.longContext ? { longContext: v.longContext } : {}),
  };
}

function entryOf(model: DataModel, source: string, withOverlay: boolean): ModelEntry {
  const legacy = LEGACY_MODELS[model.modelId];
  const patch = withOverlay ? OVERLAY_PATCHES[model.modelId] : undefined;
  const modelId = legacy?.modelId ?? model.modelId;
  const versions = patch ? patch.apply(model.versions) : model.versions;
  const note = `${source} (${model.genaiPricesIds.join(', ')})${patch ? '; Bedrock overlay' : ''}`;
  const spellings = [...model.spellings, ...(modelId === model.modelId ? [] : [model.modelId])];
  return {
    modelId,
    provider: modelId.split('.')[0] as string,
    name: legacy?.name ?? model.name ?? modelId,
    aliases: [...new Set([...(legacy?.aliases ?? []), ...model.aliases])],
    contextVariants: legacy?.contextVariants ?? [],
    spellings,
    prices: versions.map((v) => toPriceVersion(modelId, v, legacy?.from ?? UNDATED_FROM, note)),
  };
}

/**
 * The catalog entries of converted genai-prices data, by model id, with the Bedrock overlay's
 * price changes and models (or, with `withOverlay` false, genai-prices' prices alone, under the
 * same ids and names).
 */
export function catalogEntriesOf(catalogData: CatalogData, withOverlay = true): ModelEntry[] {
  const entries = catalogData.models.map((m) => entryOf(m, catalogData.source, withOverlay));
  for (const extra of withOverlay ? OVERLAY_MODELS : []) {
    entries.push({
      modelId: extra.modelId,
      provider: extra.modelId.split('.')[0] as string,
      name: extra.name,
      aliases: [],
      contextVariants: [],
      spellings: [],
      prices: extra.versions.map((v) =>
        toPriceVersion(extra.modelId, v, UNDATED_FROM, `Bedrock overlay: ${extra.difference.reason}`),
      ),
    });
  }
  return entries.sort((a, b) => (a.modelId < b.modelId ? -1 : 1));
}

/** The genai-prices Bedrock data this release's catalog is built from (converted; `npm run prices:build`). */
export const CATALOG_DATA: CatalogData = deepFreeze(data as CatalogData);

/** The catalog built into this release: genai-prices' Bedrock data plus the Bedrock overlay. */
export const DEFAULT_CATALOG: Catalog = buildCatalog(catalogEntriesOf(CATALOG_DATA));

/** Every model of the built-in catalog, by model id. Frozen. */
export const CATALOG: readonly ModelEntry[] = DEFAULT_CATALOG.entries;
