import { ValidationError } from '../errors.js';
import { buildCatalog, type Catalog, effectiveMillis, versionId } from './catalog.js';
import { parseBedrockModelId, tryResolveModel } from './model-id.js';
import type { LongContextTier, ModelEntry, PriceSource, PriceVersion, TokenRates } from './types.js';

/** A price version added on top of a catalog (`PUT /prices/{modelId}`, a price sync). */
export interface AddedPriceVersion {
  /** Any accepted spelling of a catalog model, or a well-formed Bedrock id the catalog lacks. */
  readonly modelId: string;
  /** A day (`YYYY-MM-DD`) or an ISO-8601 instant. */
  readonly effectiveFrom: string;
  readonly source: Exclude<PriceSource, 'catalog'>;
  readonly note?: string;
  /** Display name of a model the base catalog lacks (a price sync's); the id otherwise. */
  readonly modelName?: string;
  readonly rates: TokenRates;
  readonly globalRates?: TokenRates;
  readonly longContext?: LongContextTier;
}

/** The key of an already added model `id` names with or without its trailing `:N`, else `id`. */
function sameNewModel(keys: Iterable<string>, id: string): string {
  const bare = (key: string) => key.replace(/:\d+$/, '');
  for (const key of keys) if (bare(key) === bare(id)) return key;
  return id;
}

/**
 * Layers `added` price versions on top of `base` (pure; `base` is not changed):
 * - a version for a model `base` knows (any spelling) joins that model's history, ordered by
 *   `effectiveFrom`; at an equal `effectiveFrom` the version added later wins;
 * - a version for a model `base` lacks adds the model, keyed and named by its canonical id (the
 *   id without profile prefix or ARN, {@link parseBedrockModelId}); versions for the same new
 *   model with and without the trailing `:N` revision join one entry.
 * Which version is in force is decided by `versionAt`: a tenant's version wins from its
 * `effectiveFrom`, earlier instants keep the catalog's price.
 * @throws ValidationError (path `modelId`) for an id that is not a Bedrock id, and (path
 *   `effectiveFrom`) for a malformed `effectiveFrom`.
 */
export function mergeCatalog(base: Catalog, added: readonly AddedPriceVersion[]): Catalog {
  if (added.length === 0) return base;
  const byId = new Map<string, { entry: ModelEntry; extra: PriceVersion[] }>(
    base.entries.map((entry) => [entry.modelId, { entry, extra: [] }]),
  );
  const newModels = new Set<string>();
  for (const version of added) {
    const found = tryResolveModel(version.modelId, base) ?? parseBedrockModelId(version.modelId);
    if (!found) {
      throw new ValidationError(`'${version.modelId}' is not a Bedrock model id`, [
        { path: 'modelId', message: 'must be a Bedrock model id, inference profile id or ARN' },
      ]);
    }
    const modelId = 'model' in found ? found.model.modelId : sameNewModel(newModels, found.canonicalId);
    effectiveMillis(version.effectiveFrom); // validates it before anything is built
    let slot = byId.get(modelId);
    if (!slot) {
      newModels.add(modelId);
      slot = {
        entry: {
          modelId,
          provider: modelId.split('.')[0] as string,
          name: version.modelName ?? modelId,
          aliases: [],
          contextVariants: [],
          prices: [],
        },
        extra: [],
      };
      byId.set(modelId, slot);
    } else if (newModels.has(modelId) && slot.entry.name === modelId && version.modelName) {
      slot.entry = { ...slot.entry, name: version.modelName };
    }
    slot.extra.push({
      version: versionId(modelId, version.effectiveFrom, version.source),
      effectiveFrom: version.effectiveFrom,
      source: version.source,
      note: version.note ?? (version.source === 'tenant' ? 'tenant price' : 'price sync'),
      rates: version.rates,
      ...(version.globalRates ? { globalRates: version.globalRates } : {}),
      ...(version.longContext ? { longContext: version.longContext } : {}),
    });
  }
  const entries = [...byId.values()].map(({ entry, extra }) => {
    if (extra.length === 0) return entry;
    const prices = [...entry.prices, ...extra]
      .map((p, order) => ({ p, order, at: effectiveMillis(p.effectiveFrom) }))
      .sort((a, b) => a.at - b.at || a.order - b.order)
      .map(({ p }) => p);
    return { ...entry, prices };
  });
  return buildCatalog(entries.sort((a, b) => (a.modelId < b.modelId ? -1 : 1)));
}
