export { CATALOG } from './catalog.js';
export { priceAt, priceUsage, versionAt } from './cost.js';
export {
  bedrockIdsOf,
  buildModelIndex,
  GEO_PROFILE_PREFIXES,
  GLOBAL_PROFILE_PREFIX,
  listModels,
  type ModelIndex,
  resolveModel,
  tryResolveModel,
} from './model-id.js';
export type * from './types.js';
