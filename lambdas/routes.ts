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
];

/** Names of the functions behind the routes, each once. */
export function routeFunctions(): string[] {
  return [...new Set(HANDLER_ROUTES.map((r) => r.fn))];
}
