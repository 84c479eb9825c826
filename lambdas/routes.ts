import type { HttpMethod } from '@cost-management/contract';

/** A route served by one Lambda function: `lambdas/<fn>/handler.ts` exports `handler`. */
export interface HandlerRoute {
  method: HttpMethod;
  /** Path under the base path, API Gateway template syntax. */
  path: string;
  fn: string;
}

/**
 * The routes this service serves and the function behind each. The local runtime
 * dispatches from this table and the CDK API stack creates one integration per entry;
 * a test keeps it equal to the contract's route list (and so to the OpenAPI document).
 */
export const HANDLER_ROUTES: readonly HandlerRoute[] = [
  { method: 'GET', path: '/health', fn: 'health' },
  { method: 'GET', path: '/openapi.json', fn: 'openapi' },
  { method: 'GET', path: '/models', fn: 'models' },
  { method: 'POST', path: '/estimate', fn: 'estimate' },
  { method: 'POST', path: '/track-usage', fn: 'track-usage' },
  { method: 'POST', path: '/track-usage/batch', fn: 'track-usage-batch' },
  { method: 'GET', path: '/analytics/{userId}', fn: 'analytics' },
  { method: 'GET', path: '/projections/{userId}', fn: 'projections' },
  { method: 'GET', path: '/recommendations/{userId}', fn: 'recommendations' },
  { method: 'GET', path: '/benchmarks', fn: 'benchmarks' },
  { method: 'GET', path: '/export/{userId}', fn: 'export' },
  { method: 'POST', path: '/thresholds', fn: 'thresholds' },
  { method: 'GET', path: '/thresholds/{id}', fn: 'thresholds' },
  { method: 'PUT', path: '/thresholds/{id}', fn: 'thresholds' },
  { method: 'DELETE', path: '/thresholds/{id}', fn: 'thresholds' },
  { method: 'PUT', path: '/alerting/{userId}', fn: 'alerting' },
  { method: 'GET', path: '/alerting/{userId}', fn: 'alerting' },
  { method: 'GET', path: '/breaches/{id}', fn: 'breaches' },
  { method: 'POST', path: '/breaches/{id}/acknowledge', fn: 'breaches' },
  { method: 'POST', path: '/auto-control/init', fn: 'auto-control-init' },
  { method: 'GET', path: '/auto-control/status/{userId}', fn: 'auto-control-status' },
  { method: 'POST', path: '/auto-control/reverse/{actionId}', fn: 'auto-control-reverse' },
  { method: 'GET', path: '/auto-control/actions/{userId}', fn: 'auto-control-actions' },
  { method: 'POST', path: '/check', fn: 'check' },
];

/** Names of the functions behind the routes, each once. */
export function routeFunctions(): string[] {
  return [...new Set(HANDLER_ROUTES.map((r) => r.fn))];
}
