import {
  BenchmarkTier,
  buildOpenApiDocument,
  CONTRACT_ROUTES,
  Industry,
  ROUTE_CONTEXTS,
  type RouteContext,
  routeKey,
} from '@cost-management/contract';
import { BENCHMARK_TIERS, INDUSTRIES } from '@cost-management/core';
import { describe, expect, it } from 'vitest';
import { HANDLER_ROUTES } from '../../lambdas/functions/routes.js';

describe('route table, contract and OpenAPI document', () => {
  const doc = buildOpenApiDocument(CONTRACT_ROUTES) as { paths: Record<string, Record<string, unknown>> };
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    ),
  );

  it('documents every served route', () => {
    const missing = HANDLER_ROUTES.map(routeKey).filter((key) => !documented.has(key));
    expect(missing).toEqual([]);
  });

  it('serves every documented route', () => {
    const served = new Set(HANDLER_ROUTES.map(routeKey));
    expect([...documented].filter((key) => !served.has(key))).toEqual([]);
  });

  it('has no route twice', () => {
    const keys = HANDLER_ROUTES.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('requires an API key on every route but /health', () => {
    const open = CONTRACT_ROUTES.filter((r) => !r.auth).map(routeKey);
    expect(open).toEqual(['GET /health']);
    const healthOp = doc.paths['/health']?.get as { security?: unknown[] };
    expect(healthOp.security).toEqual([]);
  });

  it('is an OpenAPI 3.1 document with request schemas for bodies', () => {
    expect((doc as unknown as { openapi: string }).openapi).toBe('3.1.0');
    const estimate = doc.paths['/estimate']?.post as {
      requestBody: { content: { 'application/json': { schema: { required: string[] } } } };
    };
    expect(estimate.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['modelId', 'operations']),
    );
  });

  it('accepts exactly the industries and tiers the core knows (the contract does not import the core)', () => {
    expect(Industry.options).toEqual([...INDUSTRIES]);
    expect(BenchmarkTier.options).toEqual([...BENCHMARK_TIERS]);
  });

  it('documents the replay and conflict answers of POST /track-usage', () => {
    const trackUsage = doc.paths['/track-usage']?.post as { responses: Record<string, unknown> };
    expect(Object.keys(trackUsage.responses)).toEqual(
      expect.arrayContaining(['200', '201', '409', '400', '422']),
    );
  });

  it('names the bounded context of every route and tags its operation with it', () => {
    const expected = (path: string): RouteContext => {
      if (path === '/health' || path === '/openapi.json') return 'platform';
      if (path === '/models' || path === '/estimate' || path.startsWith('/prices')) return 'pricing';
      if (/^\/(thresholds|alerting|breaches)(\/|$)/.test(path)) return 'alerting';
      if (path === '/check' || path.startsWith('/auto-control/')) return 'control';
      // `GET /users` lists the tenant's users by spend (usage); `/users/{userId}` is privacy's.
      if (path === '/users') return 'usage';
      if (/^\/(settings|audit|users|erasures)(\/|$)/.test(path)) return 'privacy';
      return 'usage';
    };
    for (const route of CONTRACT_ROUTES) {
      expect(route.context, routeKey(route)).toBe(expected(route.path));
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as { tags: string[] };
      expect(op.tags, routeKey(route)).toEqual([route.context]);
    }
    const usage = CONTRACT_ROUTES.filter((r) => r.context === 'usage').map((r) => r.path);
    expect(new Set(usage)).toEqual(
      new Set([
        '/track-usage',
        '/track-usage/batch',
        '/analytics/{userId}',
        '/projections/{userId}',
        '/recommendations/{userId}',
        '/benchmarks',
        '/export/{userId}',
        '/invocation-logs',
        '/reconciliation',
        '/unpriced',
        '/users',
      ]),
    );
    const tags = (doc as unknown as { tags: { name: string }[] }).tags.map((t) => t.name);
    expect(tags).toEqual([...ROUTE_CONTEXTS]);
    expect(new Set(CONTRACT_ROUTES.map((r) => r.context))).toEqual(new Set(ROUTE_CONTEXTS));
  });
});
