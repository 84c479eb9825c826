import type { spec } from '../track-usage/environment.js';
import { thresholdDetection } from './alerting-wiring.js';
import { controlDeps } from './control-wiring.js';
import type { FunctionEnvironment } from './function-spec.js';
import { usageMetricsReactor } from './metrics.js';
import { autoControlReactor } from './use-cases/auto-control.js';
import type { TrackUsageDeps } from './use-cases/track-usage.js';
import { usageStore } from './wiring.js';

/** The ingest path of both track-usage functions: the write, then threshold detection and cost control. */
export function ingestDeps(env: FunctionEnvironment<typeof spec>): TrackUsageDeps {
  const detection = thresholdDetection(env);
  return {
    store: usageStore(env),
    extraAggregates: detection.extraAggregates,
    reactors: [usageMetricsReactor, detection.reactor, autoControlReactor(controlDeps(env))],
  };
}
