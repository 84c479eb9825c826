export {
  buildCatalog,
  CATALOG,
  CATALOG_DATA,
  type Catalog,
  catalogEntriesOf,
  DEFAULT_CATALOG,
  effectiveMillis,
  versionId,
} from './catalog.js';
export { priceAt, priceUsage, versionAt } from './cost.js';
export {
  bedrockIdOfGenaiId,
  type CatalogData,
  convertGenaiPrices,
  type GenaiProvider,
} from './genai-prices-import.js';
export { type AddedPriceVersion, mergeCatalog } from './merge.js';
export {
  bedrockIdsOf,
  buildModelIndex,
  GEO_PROFILE_PREFIXES,
  GLOBAL_PROFILE_PREFIX,
  listModels,
  type ModelIndex,
  type ParsedModelId,
  parseBedrockModelId,
  resolveModel,
  tryResolveModel,
} from './model-id.js';
export { OVERLAY_DIFFERENCES, type OverlayDifference } from './overlay.js';
export { type PriceSyncPlan, planPriceSync, type SyncDifference, samePrices } from './sync.js';
export type * from './types.js';
