import { documentClient } from '../platform/dynamo-client.js';
import type { PriceUseUpdate } from '../usage/ports/usage-store.js';
import { DynamoPriceStore, priceUseUpdate } from './adapters/dynamo-price-store.js';
import { DynamoPriceSyncRuns } from './adapters/dynamo-price-sync-runs.js';
import { BundledPriceSource, PublishedPriceSource } from './adapters/price-sources.js';
import type { PriceSource } from './ports/price-source.js';
import { cachedEffectiveCatalog } from './use-cases/effective-catalog.js';

/** Adapters built from a function's validated environment, once per cold start. */
export const priceStore = (env: { MODEL_PRICES_TABLE: string }) =>
  new DynamoPriceStore(documentClient(), env.MODEL_PRICES_TABLE);

/** The function's cache of tenants' effective catalogs (each at most a minute old). */
export const effectiveCatalog = (env: { MODEL_PRICES_TABLE: string }) =>
  cachedEffectiveCatalog(priceStore(env), { shareKey: env.MODEL_PRICES_TABLE });

/** The counter of events a tenant version priced, for the transactions that price them. */
export const priceUse = (env: { MODEL_PRICES_TABLE: string }): PriceUseUpdate =>
  priceUseUpdate(env.MODEL_PRICES_TABLE);

/** The record of price sync runs (its own prefix in the monitoring table). */
export const priceSyncRuns = (env: { COST_MONITORING_TABLE: string }) =>
  new DynamoPriceSyncRuns(documentClient(), env.COST_MONITORING_TABLE);

/**
 * The data a price sync reads: the published genai-prices file at `PRICE_DATA_URL`, falling back
 * to the data the release was built from; only the latter when the URL is empty.
 */
export function priceSource(env: { PRICE_DATA_URL: string }): PriceSource {
  const bundled = new BundledPriceSource();
  return env.PRICE_DATA_URL ? new PublishedPriceSource(env.PRICE_DATA_URL, bundled) : bundled;
}
