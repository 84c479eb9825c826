import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

let runtime: LocalRuntime;
let api: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
});
afterAll(async () => {
  await runtime.close();
});

interface Settings {
  retention: { usageDays: number; historyDays: number };
  updatedAt: string | null;
}
interface AuditPage {
  items: {
    auditId: string;
    at: string;
    actor: { tenant: string; keyId: string | null };
    action: string;
    target: string;
    before: unknown;
    after: unknown;
  }[];
  nextCursor: string | null;
}

describe('settings', () => {
  it('answers the defaults until the tenant changes them, then keeps the fields not given', async () => {
    const initial = await call<Settings>(api, 'GET', '/settings', { key: TENANT_B.key });
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({
      retention: { usageDays: 400, historyDays: 730 },
      updatedAt: null,
      retentionJob: null,
    });

    const changed = await call<Settings>(api, 'PUT', '/settings', {
      key: TENANT_B.key,
      body: { retention: { usageDays: 90 } },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.retention).toEqual({ usageDays: 90, historyDays: 730 });
    const again = await call<Settings>(api, 'PUT', '/settings', {
      key: TENANT_B.key,
      body: { retention: { historyDays: 365 } },
    });
    expect(again.body.retention).toEqual({ usageDays: 90, historyDays: 365 });
    const read = await call<Settings>(api, 'GET', '/settings', { key: TENANT_B.key });
    expect(read.body).toEqual(again.body);
    // Another tenant is untouched.
    const other = await call<Settings>(api, 'GET', '/settings', { key: TENANT_A.key });
    expect(other.body.retention).toEqual({ usageDays: 400, historyDays: 730 });
  });

  it('refuses retention outside 30–3650 days, naming the field, and stores nothing', async () => {
    for (const usageDays of [29, 3651, 1.5]) {
      const res = await call<{ error: { code: string; details: { path: string }[] } }>(
        api,
        'PUT',
        '/settings',
        {
          key: TENANT_A.key,
          body: { retention: { usageDays } },
        },
      );
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d) => d.path)).toContain('retention.usageDays');
    }
    const read = await call<Settings>(api, 'GET', '/settings', { key: TENANT_A.key });
    expect(read.body.updatedAt).toBeNull();
  });
});

describe('audit log', () => {
  it('lists settings changes newest first, with the key that made them, pages and ranges', async () => {
    const page = await call<AuditPage>(api, 'GET', '/audit', { key: TENANT_B.key });
    expect(page.status).toBe(200);
    const changes = page.body.items.filter((e) => e.action === 'settings.update');
    expect(changes).toHaveLength(2);
    expect(changes[0]?.before).toEqual({ usageDays: 90, historyDays: 730 });
    expect(changes[0]?.after).toEqual({ usageDays: 90, historyDays: 365 });
    expect(changes[1]?.before).toEqual({ usageDays: 400, historyDays: 730 });
    for (const entry of changes) {
      expect(entry.actor.tenant).toBe(TENANT_B.tenant);
      expect(entry.actor.keyId).toMatch(/\S+/);
      expect(entry.actor.keyId).not.toContain(TENANT_B.key);
    }
    // One entry a page: the cursor walks to the older one and ends.
    const first = await call<AuditPage>(api, 'GET', '/audit?limit=1', { key: TENANT_B.key });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await call<AuditPage>(
      api,
      'GET',
      `/audit?limit=1&cursor=${first.body.nextCursor as string}`,
      { key: TENANT_B.key },
    );
    expect(second.body.items[0]?.auditId).not.toBe(first.body.items[0]?.auditId);
    // A range before the changes is empty; another tenant sees none of them.
    const before = await call<AuditPage>(api, 'GET', '/audit?to=2020-01-01T00:00:00Z', {
      key: TENANT_B.key,
    });
    expect(before.body.items).toEqual([]);
    const other = await call<AuditPage>(api, 'GET', '/audit', { key: TENANT_A.key });
    expect(other.body.items.filter((e) => e.action === 'settings.update')).toEqual([]);
    // A cursor of another tenant is refused.
    const stolen = await call(api, 'GET', `/audit?cursor=${first.body.nextCursor as string}`, {
      key: TENANT_A.key,
    });
    expect(stolen.status).toBe(400);
  });
});
