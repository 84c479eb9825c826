import { spec as alerting } from '../lambdas/alerting/environment.js';
import { spec as analytics } from '../lambdas/analytics/environment.js';
import { spec as authorizer } from '../lambdas/authorizer/environment.js';
import { spec as autoControlActions } from '../lambdas/auto-control-actions/environment.js';
import { spec as autoControlInit } from '../lambdas/auto-control-init/environment.js';
import { spec as autoControlReverse } from '../lambdas/auto-control-reverse/environment.js';
import { spec as autoControlStatus } from '../lambdas/auto-control-status/environment.js';
import { spec as benchmarks } from '../lambdas/benchmarks/environment.js';
import { spec as breaches } from '../lambdas/breaches/environment.js';
import { spec as check } from '../lambdas/check/environment.js';
import { spec as estimate } from '../lambdas/estimate/environment.js';
import { spec as exportUsage } from '../lambdas/export/environment.js';
import { spec as health } from '../lambdas/health/environment.js';
import { spec as models } from '../lambdas/models/environment.js';
import { spec as notifier } from '../lambdas/notifier/environment.js';
import { spec as openapi } from '../lambdas/openapi/environment.js';
import { spec as projections } from '../lambdas/projections/environment.js';
import { spec as recommendations } from '../lambdas/recommendations/environment.js';
import { HANDLER_ROUTES, type HandlerRoute } from '../lambdas/routes.js';
import { EVENT_SOURCE, THRESHOLD_BREACHED } from '../lambdas/shared/events/event-publisher.js';
import type { FunctionSpec } from '../lambdas/shared/function-spec.js';
import { spec as sweep } from '../lambdas/sweep/environment.js';
import { spec as thresholds } from '../lambdas/thresholds/environment.js';
import { spec as trackUsage } from '../lambdas/track-usage/environment.js';
import { spec as trackUsageBatch } from '../lambdas/track-usage-batch/environment.js';
import type { ServiceFunctionEnvironment } from './constructs/service-function.js';

/** `source` of every event the service puts on its bus: the publishers' own constant, so rules and publishers agree. */
export { EVENT_SOURCE };
/** Minutes between two runs of a schedule-triggered function unless it says otherwise. */
export const DEFAULT_SCHEDULE_MINUTES = 15;

/**
 * What invokes a function, and so which stack creates it:
 * - `http`: API Gateway, for the routes of `HANDLER_ROUTES` that name it (API stack);
 * - `authorizer`: the API's key authorizer (API stack; exactly one);
 * - `event`: an EventBridge rule on the service bus matching `source: cost-management` and
 *   this `detailType` (alerting stack), with retries and a dead-letter queue;
 * - `schedule`: an EventBridge schedule, every 15 minutes unless `rateMinutes` says otherwise
 *   (schedule and observability stack), with retries and a dead-letter queue.
 */
export type FunctionTrigger =
  | { kind: 'http' }
  | { kind: 'authorizer' }
  | { kind: 'event'; detailType: string }
  | { kind: 'schedule'; rateMinutes?: number };

export interface RegisteredFunction {
  spec: FunctionSpec;
  trigger: FunctionTrigger;
  /** Handler file; default `lambdas/<spec.name>/handler.ts`. */
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
  registerFunction(health, { kind: 'http' }),
  registerFunction(openapi, { kind: 'http' }),
  registerFunction(models, { kind: 'http' }),
  registerFunction(estimate, { kind: 'http' }),
  registerFunction(trackUsage, { kind: 'http' }),
  registerFunction(trackUsageBatch, { kind: 'http' }),
  registerFunction(analytics, { kind: 'http' }),
  registerFunction(projections, { kind: 'http' }),
  registerFunction(recommendations, { kind: 'http' }),
  registerFunction(benchmarks, { kind: 'http' }),
  registerFunction(exportUsage, { kind: 'http' }),
  registerFunction(autoControlInit, { kind: 'http' }),
  registerFunction(autoControlStatus, { kind: 'http' }),
  registerFunction(autoControlReverse, { kind: 'http' }),
  registerFunction(autoControlActions, { kind: 'http' }),
  registerFunction(check, { kind: 'http' }),
  registerFunction(thresholds, { kind: 'http' }),
  registerFunction(alerting, { kind: 'http' }),
  registerFunction(breaches, { kind: 'http' }),
  registerFunction(notifier, { kind: 'event', detailType: THRESHOLD_BREACHED }),
  registerFunction(sweep, { kind: 'schedule' }),
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
        `Function '${entry.spec.name}' is registered as http but no route in lambdas/routes.ts uses it.`,
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
