import { BASE_PATH, CONTRACT_ROUTES, type RouteContext, rolesOf, routeKey } from '@cost-management/contract';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotFoundError } from './errors.js';
import { type HttpRequest, type HttpResult, httpHandler } from './http.js';

/** Serves one route: parse, call one use case, map its result. */
export type RouteHandler = (request: HttpRequest) => Promise<HttpResult>;

/** A context's handlers, keyed by the contract's route key (`GET /analytics/{userId}`). */
export type RouteTable = Readonly<Record<string, RouteHandler>>;

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** The contract's routes served by one context. */
export function routesOf(context: RouteContext) {
  return CONTRACT_ROUTES.filter((route) => route.context === context);
}

/**
 * The problems of a context's route table against the contract: a route of the context without
 * a handler, or a handler for a route the contract does not give the context.
 */
export function routeTableProblems(context: RouteContext, table: RouteTable): string[] {
  const expected = new Set(routesOf(context).map(routeKey));
  const problems: string[] = [];
  for (const key of expected) if (!table[key]) problems.push(`${context}: no handler for ${key}`);
  for (const key of Object.keys(table)) {
    if (!expected.has(key))
      problems.push(`${context}: handler for ${key}, which the contract does not route here`);
  }
  return problems;
}

/** The route template under the base path (API Gateway's `resource` carries the base path). */
function templateOf(event: APIGatewayProxyEvent): string {
  const resource = event.resource ?? '';
  return resource.startsWith(BASE_PATH) ? resource.slice(BASE_PATH.length) || '/' : resource;
}

/**
 * The one Lambda handler of a context: dispatches on the method and route template of the
 * request (API Gateway's `resource`), each route wrapped in the shared HTTP envelope, which
 * answers 403 FORBIDDEN to a key whose role the route does not allow. The table
 * must match the contract's routes of the context exactly, or the function fails at cold start.
 */
export function routedHandler(context: RouteContext, table: RouteTable): ProxyHandler {
  const problems = routeTableProblems(context, table);
  if (problems.length > 0) throw new Error(`Route table does not match the contract: ${problems.join('; ')}`);
  const handlers = new Map<string, ProxyHandler>();
  for (const route of routesOf(context)) {
    const run = table[routeKey(route)] as RouteHandler;
    handlers.set(routeKey(route), httpHandler(run, { public: !route.auth, roles: rolesOf(route) }));
  }
  const unknown = httpHandler(async () => {
    throw new NotFoundError('No such route.');
  });
  return (event) => (handlers.get(`${event.httpMethod} ${templateOf(event)}`) ?? unknown)(event);
}
