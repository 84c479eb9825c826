import { thresholdDetection } from '../alerting/wiring.js';
import { autoControlReactor } from '../control/use-cases/control-reactor.js';
import { controlDeps } from '../control/wiring.js';
import type { FunctionEnvironment } from '../platform/function-spec.js';
import { effectiveCatalog, priceUse } from '../pricing/wiring.js';
import type { TrackUsageDeps } from '../usage/use-cases/track-usage.js';
import { unpricedMetricsReactor, usageMetricsReactor } from '../usage/use-cases/usage-metrics.js';
import { aggregateStore, usageStore } from '../usage/wiring.js';
import type { spec } from './usage-api-environment.js';

/**
 * The ingest path of both track-usage functions: the write, then threshold detection and cost
 * control, which read period spend from the usage context's aggregate store.
 */
export function ingestDeps(env: FunctionEnvironment<typeof spec>): TrackUsageDeps {
  const spend = aggregateStore(env);
  const detection = thresholdDetection(env, spend);
  return {
    store: usageStore(env, priceUse(env)),
    catalogOf: effectiveCatalog(env),
    extraAggregates: detection.extraAggregates,
    reactors: [
      usageMetricsReactor,
      unpricedMetricsReactor,
      detection.reactor,
      autoControlReactor(controlDeps(env, spend)),
    ],
  };
}
