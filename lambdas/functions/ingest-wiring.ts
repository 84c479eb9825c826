import { eventPublisher, thresholdDetection } from '../alerting/wiring.js';
import { autoControlReactor } from '../control/use-cases/control-reactor.js';
import { controlDeps } from '../control/wiring.js';
import type { FunctionEnvironment } from '../platform/function-spec.js';
import { effectiveCatalog, priceUse } from '../pricing/wiring.js';
import { retentionPolicy } from '../privacy/wiring.js';
import type { BackgroundRepriceDeps } from '../usage/use-cases/reprice-in-background.js';
import type { RepriceDeps } from '../usage/use-cases/reprice-unpriced.js';
import type { RepriceWaitingDeps } from '../usage/use-cases/reprice-waiting.js';
import type { TrackUsageDeps } from '../usage/use-cases/track-usage.js';
import { unpricedMetricsReactor, usageMetricsReactor } from '../usage/use-cases/usage-metrics.js';
import { aggregateStore, unpricedRecords, usageStore } from '../usage/wiring.js';
import type { spec } from './usage-api-environment.js';

/**
 * The ingest path of both track-usage functions: the write, then threshold detection and cost
 * control, which read period spend from the usage context's aggregate store. Records, breaches
 * and control entries carry their expiry from the tenant's retention (privacy context).
 */
type IngestEnvironment = Omit<
  FunctionEnvironment<typeof spec>,
  | 'ANALYTICS_CACHE_TABLE'
  | 'USAGE_PATTERNS_TABLE'
  | 'BENCHMARKS_TABLE'
  | 'COST_MONITORING_TABLE'
  | 'INVOCATION_LOG_USER_KEY'
  | 'INVOCATION_LOG_IDENTITY_MAP'
>;

export function ingestDeps(env: IngestEnvironment): TrackUsageDeps {
  const spend = aggregateStore(env);
  const retention = retentionPolicy(env);
  const detection = thresholdDetection(env, spend, retention);
  return {
    store: usageStore(env, priceUse(env)),
    catalogOf: effectiveCatalog(env),
    retention,
    extraAggregates: detection.extraAggregates,
    reactors: [
      usageMetricsReactor,
      unpricedMetricsReactor,
      detection.reactor,
      autoControlReactor(controlDeps(env, spend, { retention })),
    ],
  };
}

/**
 * Repricing of a tenant's usage recorded without a price: the same store, catalog, further
 * periods and reactors as ingest, so a crossing caused by repricing alerts like any other.
 */
export function repriceDeps(env: IngestEnvironment): RepriceDeps {
  const ingest = ingestDeps(env);
  return {
    unpriced: unpricedRecords(env),
    store: usageStore(env, priceUse(env)),
    catalogOf: ingest.catalogOf ?? effectiveCatalog(env),
    ...(ingest.extraAggregates ? { extraAggregates: ingest.extraAggregates } : {}),
    reactors: (ingest.reactors ?? []).filter(
      (r) => r !== usageMetricsReactor && r !== unpricedMetricsReactor,
    ),
  };
}

/** Repricing that hands what it does not finish to the background job (`RepricingRequested`). */
export function backgroundRepriceDeps(env: IngestEnvironment): BackgroundRepriceDeps {
  return { ...repriceDeps(env), publisher: eventPublisher(env) };
}

/**
 * Repricing of every tenant's waiting usage (after a price sync): found through the waiting index;
 * with `perTenant`, each tenant's run is bounded and its rest handed to the background job.
 */
export function repriceWaitingDeps(env: IngestEnvironment, perTenant?: number): RepriceWaitingDeps {
  return {
    ...repriceDeps(env),
    waiting: aggregateStore(env),
    ...(perTenant === undefined ? {} : { background: { publisher: eventPublisher(env), perTenant } }),
  };
}
