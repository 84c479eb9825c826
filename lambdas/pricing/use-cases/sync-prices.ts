import { catalogEntriesOf, DEFAULT_CATALOG, mergeCatalog, planPriceSync } from '@cost-management/core';
import { logger } from '../../platform/logger.js';
import { emitMetrics } from '../../platform/metrics.js';
import type { RepriceWaitingUsage } from '../ports/effective-catalog.js';
import type { PriceSource } from '../ports/price-source.js';
import { type PriceStore, SERVICE_SCOPE } from '../ports/price-store.js';
import type { PriceSyncRun, PriceSyncRuns } from '../ports/price-sync-runs.js';

export interface PriceSyncDeps {
  source: PriceSource;
  store: PriceStore;
  runs: PriceSyncRuns;
  /** Drops the cached effective catalogs, so the repricing below sees every stored version. */
  forgetAll?(): void;
  /** Prices the usage of every tenant that waits for a price the new versions may cover. */
  reprice?: RepriceWaitingUsage;
  /** The end of the run (default: the wall clock). */
  clock?: () => Date;
}

/**
 * A price sync: loads the newest genai-prices data the source reaches, adds to the service scope
 * every model and dated version the service catalog (the release's plus earlier syncs') lacks,
 * never rewriting a stored version, then reprices the usage that waits for a price. Reports what
 * changed three ways: the run record (`runs`), a log line, and the `PriceVersionsSynced` metric.
 * Safe to repeat: a second run adds nothing, and a run that dies half-way is completed by the next
 * (versions are added on condition they are absent; repricing is exactly once per record).
 * @throws when the source has no data, or the store or the repricing fails (the run record is
 *   written first when the versions were stored but the repricing failed).
 */
export async function syncPrices(deps: PriceSyncDeps, now: Date): Promise<PriceSyncRun> {
  const loaded = await deps.source.load();
  const stored = await deps.store.list(SERVICE_SCOPE);
  const plan = planPriceSync(mergeCatalog(DEFAULT_CATALOG, stored), catalogEntriesOf(loaded.data));
  const added: PriceSyncRun['added'] = [];
  const createdAt = now.toISOString();
  for (const version of plan.add) {
    if (await deps.store.add(SERVICE_SCOPE, { ...version, createdAt })) {
      added.push({ modelId: version.modelId, effectiveFrom: version.effectiveFrom });
    }
  }
  // Fresh catalogs for the repricing: the versions just added, and any added since the cache filled.
  deps.forgetAll?.();
  let repricing: PriceSyncRun['repricing'] = { tenants: 0, repriced: 0 };
  let failure: unknown;
  if (deps.reprice) {
    try {
      repricing = await deps.reprice();
    } catch (error) {
      failure = error;
      repricing = { error: (error as Error).message };
    }
  }
  const run: PriceSyncRun = {
    startedAt: createdAt,
    finishedAt: (deps.clock?.() ?? new Date()).toISOString(),
    origin: loaded.origin,
    location: loaded.location,
    ...(loaded.fallbackReason ? { fallbackReason: loaded.fallbackReason } : {}),
    models: loaded.data.models.length,
    added,
    newModels: plan.newModels.filter((id) => added.some((a) => a.modelId === id)),
    differing: [...plan.differing],
    skipped: [...plan.skipped, ...loaded.data.skipped.map((s) => ({ modelId: s.id, reason: s.reason }))],
    repricing,
  };
  await deps.runs.record(run);
  const summary = {
    origin: run.origin,
    location: run.location,
    models: run.models,
    added: run.added.length,
    newModels: run.newModels,
    differing: run.differing.length,
    skipped: run.skipped.length,
    repricing: run.repricing,
  };
  if (loaded.fallbackReason) {
    logger.warn('price sync used fallback data', {
      reason: loaded.fallbackReason,
      location: loaded.location,
    });
  }
  logger.info('price sync finished', summary);
  emitMetrics({
    priceVersionsSynced: run.added.length,
    priceSyncFallbacks: loaded.fallbackReason ? 1 : 0,
  });
  if (failure !== undefined) throw failure;
  return run;
}
