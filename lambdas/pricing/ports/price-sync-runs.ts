import type { SyncDifference } from '@cost-management/core';
import type { PriceDataOrigin } from './price-source.js';

/** What one price sync did, as an operator reads it afterwards. */
export interface PriceSyncRun {
  /** ISO instant the run started; with the table prefix, the run's key. */
  startedAt: string;
  finishedAt: string;
  origin: PriceDataOrigin;
  location: string;
  fallbackReason?: string;
  /** Models of the data set, and versions over all of them. */
  models: number;
  /** Versions this run added to the service scope (a concurrent run's additions are not counted). */
  added: { modelId: string; effectiveFrom: string }[];
  /** Models the service had no price for before this run. */
  newModels: string[];
  /** Past versions the data set prices differently from the service (left as they are). */
  differing: SyncDifference[];
  /** Models of the data set that could not be added, with the reason. */
  skipped: { modelId: string; reason: string }[];
  /**
   * The repricing of waiting usage after the run: tenants with waiting usage, records repriced in
   * the run, tenants whose rest went to the background job; `error` when it failed (the next run
   * continues it).
   */
  repricing: { tenants: number; repriced: number; handedOff?: number } | { error: string };
}

/** Port: the record of price sync runs an operator reads (`npm run prices:sync -- --runs`). */
export interface PriceSyncRuns {
  record(run: PriceSyncRun): Promise<void>;
  /** The newest runs first. */
  recent(limit: number): Promise<PriceSyncRun[]>;
}
