import { spec as alertingApi } from '../lambdas/functions/alerting-api-environment.js';
import { spec as authorizer } from '../lambdas/functions/authorizer-environment.js';
import { spec as controlApi } from '../lambdas/functions/control-api-environment.js';
import { spec as erasure } from '../lambdas/functions/erasure-environment.js';
import { spec as invocationLogs } from '../lambdas/functions/invocation-logs-environment.js';
import { spec as notifier } from '../lambdas/functions/notifier-environment.js';
import { spec as platformApi } from '../lambdas/functions/platform-api-environment.js';
import { spec as priceSync } from '../lambdas/functions/price-sync-environment.js';
import { spec as pricingApi } from '../lambdas/functions/pricing-api-environment.js';
import { spec as privacyApi } from '../lambdas/functions/privacy-api-environment.js';
import { spec as reconciliation } from '../lambdas/functions/reconciliation-environment.js';
import { spec as repricer } from '../lambdas/functions/repricer-environment.js';
import { HANDLER_ROUTES, type HandlerRoute } from '../lambdas/functions/routes.js';
import { spec as sweep } from '../lambdas/functions/sweep-environment.js';
import { spec as sweepWorker } from '../lambdas/functions/sweep-worker-environment.js';
import { spec as thresholdBackfill } from '../lambdas/functions/threshold-backfill-environment.js';
import { spec as usageApi } from '../lambdas/functions/usage-api-environment.js';
import {
  BREACH_NOTICE_REQUESTED,
  ERASURE_REQUESTED,
  EVENT_SOURCE,
  REPRICING_REQUESTED,
  SWEEP_SHARD_REQUESTED,
  THRESHOLD_BACKFILL_REQUESTED,
  THRESHOLD_BREACHED,
} from '../lambdas/platform/events/event-publisher.js';
import type { FunctionSpec } from '../lambdas/platform/function-spec.js';
import { PUBLISHED_PRICE_DATA_URL } from '../lambdas/pricing/adapters/price-sources.js';
import type { ServiceFunctionEnvironment } from './constructs/service-function.js';

/** `source` of every event the service puts on its bus: the publishers' own constant, so rules and publishers agree. */
export { EVENT_SOURCE };
/** Minutes between two runs of a schedule-triggered function unless it says otherwise. */
export const DEFAULT_SCHEDULE_MINUTES = 15;
/** The price sync runs once a day. */
export const PRICE_SYNC_MINUTES = 24 * 60;

/**
 * What invokes a function, and so which stack creates it:
 * - `http`: API Gateway, for the routes of `HANDLER_ROUTES` that name it (API stack);
 * - `authorizer`: the API's key authorizer (API stack; exactly one);
 * - `event`: an EventBridge rule on the service bus matching `source: cost-management` and
 *   this `detailType` (and any of `moreDetailTypes`) (alerting stack), with retries and a
 *   dead-letter queue;
 * - `schedule`: an EventBridge schedule, every 15 minutes unless `rateMinutes` says otherwise
 *   (schedule and observability stack), with retries and a dead-letter queue;
 * - `invocation-logs`: the Bedrock model invocation-log delivery — a CloudWatch Logs subscription
 *   on the log group and/or S3 notifications of the delivery bucket, as the deployment's capture
 *   settings name them (schedule and observability stack), with retries and a dead-letter queue.
 */
export type FunctionTrigger =
  | { kind: 'http' }
  | { kind: 'authorizer' }
  | { kind: 'event'; detailType: string; moreDetailTypes?: readonly string[] }
  | { kind: 'schedule'; rateMinutes?: number }
  | { kind: 'invocation-logs' };

export interface RegisteredFunction {
  spec: FunctionSpec;
  trigger: FunctionTrigger;
  /** Handler file; default `lambdas/functions/<spec.name>-handler.ts`. */
  entry?: string;
  /** Values of the spec's own environment fields that no binding sets. */
  environment?: Readonly<Record<string, string>>;
}

/** One registry entry, with the environment typed from the spec. */
export function registerFunction<S extends FunctionSpec>(
  spec: S,
  trigger: FunctionTrigger,
  options: { entry?: string; environment?: ServiceFunctionEnvironment<S> } = {},
): RegisteredFunction {
  return {
    spec,
    trigger,
    ...(options.entry ? { entry: options.entry } : {}),
    ...(options.environment ? { environment: options.environment as Record<string, string> } : {}),
  };
}

/**
 * Every deployed function. Adding one is one line here: its spec (tables and actions,
 * bindings, environment) drives the grants and variables, its trigger the wiring.
 */
export const FUNCTIONS: readonly RegisteredFunction[] = [
  registerFunction(authorizer, { kind: 'authorizer' }),
  // One function per bounded context behind the API (lambdas/functions/<context>-api-handler.ts).
  registerFunction(platformApi, { kind: 'http' }),
  registerFunction(pricingApi, { kind: 'http' }),
  registerFunction(usageApi, { kind: 'http' }),
  registerFunction(alertingApi, { kind: 'http' }),
  registerFunction(controlApi, { kind: 'http' }),
  registerFunction(privacyApi, { kind: 'http' }),
  registerFunction(notifier, {
    kind: 'event',
    detailType: THRESHOLD_BREACHED,
    moreDetailTypes: [BREACH_NOTICE_REQUESTED],
  }),
  registerFunction(erasure, { kind: 'event', detailType: ERASURE_REQUESTED }),
  registerFunction(repricer, { kind: 'event', detailType: REPRICING_REQUESTED }),
  registerFunction(thresholdBackfill, { kind: 'event', detailType: THRESHOLD_BACKFILL_REQUESTED }),
  registerFunction(sweep, { kind: 'schedule' }),
  // The sweep's workers: one shard per SweepShardRequested (put on the bus by the sweep above).
  registerFunction(sweepWorker, { kind: 'event', detailType: SWEEP_SHARD_REQUESTED }),
  registerFunction(
    priceSync,
    { kind: 'schedule', rateMinutes: PRICE_SYNC_MINUTES },
    { environment: { PRICE_DATA_URL: PUBLISHED_PRICE_DATA_URL } },
  ),
  registerFunction(invocationLogs, { kind: 'invocation-logs' }),
  registerFunction(reconciliation, { kind: 'schedule', rateMinutes: 24 * 60 }),
];

/**
 * Checks a registry against the route table: names are unique, every route's function is
 * registered as `http`, every `http` function serves a route, and there is one authorizer.
 * Returns the problems; the app refuses to synthesize while there are any.
 */
export function registryProblems(
  functions: readonly RegisteredFunction[],
  routes: readonly HandlerRoute[] = HANDLER_ROUTES,
): string[] {
  const problems: string[] = [];
  const byName = new Map<string, RegisteredFunction>();
  for (const entry of functions) {
    if (byName.has(entry.spec.name)) problems.push(`Function '${entry.spec.name}' is registered twice.`);
    byName.set(entry.spec.name, entry);
  }
  for (const route of routes) {
    const entry = byName.get(route.fn);
    if (!entry)
      problems.push(`Route ${route.method} ${route.path} needs function '${route.fn}' in lib/functions.ts.`);
    else if (entry.trigger.kind !== 'http') {
      problems.push(
        `Function '${route.fn}' serves ${route.method} ${route.path} but is registered as ${entry.trigger.kind}.`,
      );
    }
  }
  const routed = new Set(routes.map((r) => r.fn));
  for (const entry of functions) {
    if (entry.trigger.kind === 'http' && !routed.has(entry.spec.name)) {
      problems.push(
        `Function '${entry.spec.name}' is registered as http but no route of the contract is served by it.`,
      );
    }
  }
  const authorizers = functions.filter((f) => f.trigger.kind === 'authorizer').length;
  if (authorizers !== 1) problems.push(`Exactly one authorizer function is needed, found ${authorizers}.`);
  return problems;
}

/** Functions of one trigger kind, in registry order. */
export function functionsOf<K extends FunctionTrigger['kind']>(
  functions: readonly RegisteredFunction[],
  kind: K,
): (RegisteredFunction & { trigger: Extract<FunctionTrigger, { kind: K }> })[] {
  return functions.filter(
    (f): f is RegisteredFunction & { trigger: Extract<FunctionTrigger, { kind: K }> } =>
      f.trigger.kind === kind,
  );
}
