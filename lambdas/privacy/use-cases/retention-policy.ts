import type { RetentionPolicy, TenantSettings } from '../ports/settings-store.js';

/**
 * How long a warm function keeps a tenant's retention: a changed setting reaches every new record
 * within a minute. The retention job waits as long before it starts (see `newRetentionJob`).
 */
export const RETENTION_CACHE_MS = 60_000;

type Retention = TenantSettings['retention'];
type CacheEntry = { at: number; retention: Promise<Retention> };
/** Caches by settings table: functions of one process (the local runtime) see each other's changes at once. */
const sharedCaches = new Map<string, Map<string, CacheEntry>>();

/** Drops every cached retention of this process, so each function reads its own (grant checks). */
export function forgetAllRetention(): void {
  for (const cache of sharedCaches.values()) cache.clear();
}

/**
 * A tenant's retention read through `load` (its settings, defaults filled in), cached per tenant
 * for at most {@link RETENTION_CACHE_MS}; `forget` drops a tenant's entry after its own change.
 */
export function cachedRetentionPolicy(
  load: (tenantId: string) => Promise<Retention>,
  options: { shareKey?: string; clock?: () => number } = {},
): RetentionPolicy & { forget(tenantId: string): void } {
  const clock = options.clock ?? Date.now;
  let cache = options.shareKey ? sharedCaches.get(options.shareKey) : undefined;
  if (!cache) {
    cache = new Map<string, CacheEntry>();
    if (options.shareKey) sharedCaches.set(options.shareKey, cache);
  }
  const entries = cache;
  return {
    async retentionOf(tenantId) {
      const now = clock();
      const hit = entries.get(tenantId);
      if (hit && now - hit.at < RETENTION_CACHE_MS) return hit.retention;
      const retention = load(tenantId);
      entries.set(tenantId, { at: now, retention });
      try {
        return await retention;
      } catch (error) {
        entries.delete(tenantId);
        throw error;
      }
    },
    forget: (tenantId) => void entries.delete(tenantId),
  };
}
