import { documentClient } from '../platform/dynamo-client.js';
import type { PriceUseUpdate } from '../usage/ports/usage-store.js';
import { DynamoPriceStore, priceUseUpdate } from './adapters/dynamo-price-store.js';
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
