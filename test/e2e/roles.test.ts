import { API_ROLES, type ApiRole, CONTRACT_ROUTES, rolesOf, routeKey } from '@cost-management/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime } from '../support/runtime.js';

const KEYS: Record<ApiRole, string> = {
  admin: 'role-admin-key',
  ingest: 'role-ingest-key',
  viewer: 'role-viewer-key',
};

/** The path of a route with every parameter filled in. */
function concrete(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => `unknown-${name}`);
}

describe('roles are enforced by the API on every route', () => {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime({
      apiKeys: `tenant-r:${KEYS.admin},tenant-r:${KEYS.ingest}:ingest,tenant-r:${KEYS.viewer}:viewer`,
    });
  });
  afterAll(() => runtime?.close());

  it('gives ingest exactly the ingest routes and viewer every read plus acknowledge', () => {
    const allowed = (role: ApiRole) =>
      CONTRACT_ROUTES.filter((r) => r.auth && rolesOf(r).includes(role))
        .map(routeKey)
        .sort();
    expect(allowed('ingest')).toEqual(
      [
        'GET /models',
        'GET /openapi.json',
        'POST /check',
        'POST /track-usage',
        'POST /track-usage/batch',
      ].sort(),
    );
    expect(allowed('viewer')).toEqual(
      [
        // Every read except the admin-only data-protection reads (settings, audit log, erasures).
        ...CONTRACT_ROUTES.filter((r) => r.auth && r.method === 'GET')
          .map(routeKey)
          .filter((key) => key !== 'GET /settings' && key !== 'GET /audit')
          .filter((key) => key !== 'GET /erasures/{erasureId}'),
        'POST /breaches/{id}/acknowledge',
      ].sort(),
    );
    // The tenant-wide reads the console's overview is built on.
    expect(allowed('viewer')).toEqual(expect.arrayContaining(['GET /users', 'GET /breaches']));
    expect(allowed('ingest')).not.toContain('GET /users');
    expect(allowed('admin')).toEqual(
      CONTRACT_ROUTES.filter((r) => r.auth)
        .map(routeKey)
        .sort(),
    );
  });

  const cases = CONTRACT_ROUTES.flatMap((route) =>
    API_ROLES.map((role) => ({ route, role, allowed: rolesOf(route).includes(role) })),
  );
  it.each(cases)('$route.method $route.path as $role: allowed=$allowed', async ({ route, role, allowed }) => {
    const res = await call(runtime.apiBase, route.method, concrete(route.path), {
      key: KEYS[role],
      ...(route.method === 'POST' || route.method === 'PUT' ? { body: {} } : {}),
    });
    if (allowed) {
      expect(res.status).not.toBe(403);
    } else {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: { code: 'FORBIDDEN', message: expect.stringContaining(role) } });
    }
  });

  it('refuses a forbidden write before it reads the body, and stores nothing', async () => {
    const res = await call(runtime.apiBase, 'POST', '/thresholds', {
      key: KEYS.viewer,
      body: { userId: 'alice', name: 'cap', type: 'absolute', period: 'monthly', limitUsd: 1 },
    });
    expect(res.status).toBe(403);
    const list = await call<{ items: unknown[] }>(runtime.apiBase, 'GET', '/thresholds/alice', {
      key: KEYS.viewer,
    });
    expect(list.body.items).toEqual([]);
  });
});
