import type { ControlItem, NanoUsd, Period } from '@cost-management/core';

/**
 * How long a warm instance may answer `/check` from the control state it read last. Level
 * changes written by another instance show within this time; writes made by this instance
 * (level transitions, buckets) update or drop the entry at once.
 */
export const CONTROL_STATE_CACHE_MS = 2_000;
const MAX_ENTRIES = 10_000;

export interface ControlSnapshot {
  item: ControlItem;
  spendNano: NanoUsd;
  period: Period;
}

const entries = new Map<string, { snapshot: ControlSnapshot | undefined; loadedAtMs: number }>();
const keyOf = (tenantId: string, userId: string) => `${tenantId}\u0000${userId}`;

export function cachedControl(
  tenantId: string,
  userId: string,
  nowMs: number,
): { snapshot: ControlSnapshot | undefined } | undefined {
  const entry = entries.get(keyOf(tenantId, userId));
  if (!entry || nowMs - entry.loadedAtMs >= CONTROL_STATE_CACHE_MS || nowMs < entry.loadedAtMs)
    return undefined;
  return { snapshot: entry.snapshot };
}

export function cacheControl(
  tenantId: string,
  userId: string,
  snapshot: ControlSnapshot | undefined,
  nowMs: number,
): void {
  if (entries.size >= MAX_ENTRIES) entries.clear();
  entries.set(keyOf(tenantId, userId), { snapshot, loadedAtMs: nowMs });
}

export function invalidateControl(tenantId: string, userId: string): void {
  entries.delete(keyOf(tenantId, userId));
}

/** Drops every cached state (tests, benchmarks). */
export function clearControlCache(): void {
  entries.clear();
}
