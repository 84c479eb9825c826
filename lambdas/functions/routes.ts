import { CONTRACT_ROUTES, type HttpMethod, type RouteContext } from '@cost-management/contract';

/** The deployed function that serves a context's routes: `lambdas/functions/<name>-handler.ts`. */
export const apiFunctionOf = (context: RouteContext): string => `${context}-api`;

/** A route with the function behind it. */
export interface HandlerRoute {
  method: HttpMethod;
  /** Path under the base path, API Gateway template syntax. */
  path: string;
  fn: string;
}

/**
 * The contract's routes, each with the function of its context. Not a second declaration: it is
 * derived from the contract's one route registry, which the local runtime, the CDK API stack and
 * the OpenAPI document all read.
 */
export const HANDLER_ROUTES: readonly HandlerRoute[] = CONTRACT_ROUTES.map((route) => ({
  method: route.method,
  path: route.path,
  fn: apiFunctionOf(route.context),
}));

/** Names of the functions behind the routes, each once. */
export function routeFunctions(): string[] {
  return [...new Set(HANDLER_ROUTES.map((r) => r.fn))];
}
