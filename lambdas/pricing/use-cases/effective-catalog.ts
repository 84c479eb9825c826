import { type Catalog, DEFAULT_CATALOG, mergeCatalog } from '@cost-management/core';
import type { EffectiveCatalog } from '../ports/effective-catalog.js';
import { type PriceStore, SERVICE_SCOPE } from '../ports/price-store.js';

/** How long a warm function keeps a tenant's effective catalog: a new price applies within a minute. */
export const CATALOG_TTL_MS = 60_000;

type CacheEntry = { at: number; catalog: Promise<Catalog> };
/** Caches by price table: functions of one process (the local runtime) see each other's changes at once. */
const sharedCaches = new Map<string, Map<string, CacheEntry>>();

/**
 * A tenant's effective catalog: the built-in catalog, then the service scope's versions (a price
 * sync), then the tenant's own, which win for that tenant from their `effectiveFrom`. Cached per
 * tenant for at most {@link CATALOG_TTL_MS}; `forget` drops a tenant's entry (after its own change),
 * `forgetAll` every entry (after a change of the service scope).
 */
export function cachedEffectiveCatalog(
  store: PriceStore,
  options: { shareKey?: string; clock?: () => number } = {},
): EffectiveCatalog & { forget(tenantId: string): void; forgetAll(): void } {
  const clock = options.clock ?? Date.now;
  let cache = options.shareKey ? sharedCaches.get(options.shareKey) : undefined;
  if (!cache) {
    cache = new Map<string, CacheEntry>();
    if (options.shareKey) sharedCaches.set(options.shareKey, cache);
  }
  const entries = cache;
  const load = async (tenantId: string): Promise<Catalog> => {
    const [service, tenant] = await Promise.all([store.list(SERVICE_SCOPE), store.list(tenantId)]);
    return mergeCatalog(DEFAULT_CATALOG, [...service, ...tenant]);
  };
  const effective = async (tenantId: string): Promise<Catalog> => {
    const now = clock();
    const hit = entries.get(tenantId);
    if (hit && now - hit.at < CATALOG_TTL_MS) return hit.catalog;
    const catalog = load(tenantId);
    entries.set(tenantId, { at: now, catalog });
    try {
      return await catalog;
    } catch (error) {
      entries.delete(tenantId);
      throw error;
    }
  };
  return Object.assign(effective, {
    forget: (tenantId: string) => void entries.delete(tenantId),
    forgetAll: () => entries.clear(),
  });
}
