import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

let runtime: LocalRuntime;
let base: string;

beforeAll(async () => {
  runtime = await startTestRuntime({ alerting: { sesPort: 0, sweepIntervalSeconds: 0 } });
  base = runtime.apiBase;
});
afterAll(async () => runtime?.close());

interface Threshold {
  thresholdId: string;
  limitUsd: number;
  warningPercent: number;
  emergencyPercent: number;
  changePercent: number;
  timezone: string;
  type: string;
  period: string;
  channels: string[];
  enabled: boolean;
}

const detailPaths = (body: unknown) =>
  ((body as { error: { details?: { path: string }[] } }).error.details ?? []).map((d) => d.path);

describe('threshold CRUD', () => {
  it('creates with defaults, lists, updates and deletes', async () => {
    const created = await call<Threshold>(base, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: { userId: 'alice', name: 'monthly cap', limitUsd: 100 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      userId: 'alice',
      name: 'monthly cap',
      type: 'absolute',
      period: 'monthly',
      limitUsd: 100,
      warningPercent: 80,
      emergencyPercent: 150,
      changePercent: 50,
      timezone: 'UTC',
      channels: ['email'],
      enabled: true,
      periodTotals: 'complete',
    });
    const id = created.body.thresholdId;

    const list = await call<{ items: Threshold[] }>(base, 'GET', '/thresholds/alice', { key: TENANT_A.key });
    expect(list.body.items.map((t) => t.thresholdId)).toEqual([id]);

    const updated = await call<Threshold>(base, 'PUT', `/thresholds/${id}`, {
      key: TENANT_A.key,
      body: { limitUsd: 250.5, timezone: 'Europe/Berlin', channels: ['email', 'webhook'] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      limitUsd: 250.5,
      timezone: 'Europe/Berlin',
      channels: ['email', 'webhook'],
      // Moved to another zone: its zone's period-to-date is added in the background.
      periodTotals: 'pending',
    });

    expect((await call(base, 'DELETE', `/thresholds/${id}`, { key: TENANT_A.key })).status).toBe(204);
    expect((await call(base, 'DELETE', `/thresholds/${id}`, { key: TENANT_A.key })).status).toBe(404);
    const after = await call<{ items: Threshold[] }>(base, 'GET', '/thresholds/alice', { key: TENANT_A.key });
    expect(after.body.items).toEqual([]);
  });

  it('rejects bad values with 400 naming each field, and stores nothing', async () => {
    const bad = await call(base, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: { userId: 'bob', period: 'yearly', limitUsd: -5, timezone: 'Mars/Olympus', channels: ['pigeon'] },
    });
    expect(bad.status).toBe(400);
    expect(detailPaths(bad.body)).toEqual(expect.arrayContaining(['period', 'limitUsd', 'channels.0']));
    const zone = await call(base, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: { userId: 'bob', limitUsd: 5, timezone: 'Mars/Olympus' },
    });
    expect(zone.status).toBe(400);
    expect(detailPaths(zone.body)).toEqual(['timezone']);
    const noLimit = await call(base, 'POST', '/thresholds', { key: TENANT_A.key, body: { userId: 'bob' } });
    expect(detailPaths(noLimit.body)).toEqual(['limitUsd']);
    const percentage = await call<Threshold>(base, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: { userId: 'carol', type: 'percentage', period: 'weekly', changePercent: 25 },
    });
    expect(percentage.status).toBe(201);
    expect(percentage.body).toMatchObject({ type: 'percentage', changePercent: 25, limitUsd: 0 });
    const list = await call<{ items: Threshold[] }>(base, 'GET', '/thresholds/bob', { key: TENANT_A.key });
    expect(list.body.items).toEqual([]);
  });

  it("keeps tenants apart: another tenant's threshold is 404 and invisible", async () => {
    const created = await call<Threshold>(base, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: { userId: 'dave', limitUsd: 10 },
    });
    const id = created.body.thresholdId;
    expect(
      (await call(base, 'PUT', `/thresholds/${id}`, { key: TENANT_B.key, body: { limitUsd: 1 } })).status,
    ).toBe(404);
    expect((await call(base, 'DELETE', `/thresholds/${id}`, { key: TENANT_B.key })).status).toBe(404);
    const listB = await call<{ items: Threshold[] }>(base, 'GET', '/thresholds/dave', { key: TENANT_B.key });
    expect(listB.body.items).toEqual([]);
    const still = await call<{ items: Threshold[] }>(base, 'GET', '/thresholds/dave', { key: TENANT_A.key });
    expect(still.body.items[0]?.limitUsd).toBe(10);
  });
});

describe('alerting config', () => {
  it('stores channels and escalation, never answers the secret', async () => {
    const put = await call(base, 'PUT', '/alerting/alice', {
      key: TENANT_A.key,
      body: {
        email: 'owner@example.com',
        phone: '+4915112345678',
        webhookUrl: 'https://hooks.example.com/cost',
        webhookSecret: 'at-least-16-chars',
        escalation: { afterMinutes: 30, email: 'lead@example.com' },
      },
    });
    expect(put.status).toBe(200);
    const got = await call<Record<string, unknown>>(base, 'GET', '/alerting/alice', { key: TENANT_A.key });
    expect(got.body).toMatchObject({
      userId: 'alice',
      email: 'owner@example.com',
      phone: '+4915112345678',
      webhookUrl: 'https://hooks.example.com/cost',
      webhookSecretSet: true,
      escalation: { afterMinutes: 30, email: 'lead@example.com' },
    });
    expect(JSON.stringify(got.body)).not.toContain('at-least-16-chars');
    expect((await call(base, 'GET', '/alerting/alice', { key: TENANT_B.key })).status).toBe(404);
  });

  it('rejects an invalid email, a non-E.164 phone and a short secret', async () => {
    const bad = await call(base, 'PUT', '/alerting/alice', {
      key: TENANT_A.key,
      body: {
        email: 'not-an-email',
        phone: '0151 123',
        webhookUrl: 'https://x.example.com',
        webhookSecret: 'short',
      },
    });
    expect(bad.status).toBe(400);
    expect(detailPaths(bad.body)).toEqual(expect.arrayContaining(['email', 'phone', 'webhookSecret']));
    const got = await call<Record<string, unknown>>(base, 'GET', '/alerting/alice', { key: TENANT_A.key });
    expect(got.body.email).toBe('owner@example.com');
  });
});

describe('breach API', () => {
  it("answers 404 for an unknown breach and another tenant's breach list is empty", async () => {
    expect(
      (await call(base, 'POST', '/breaches/nope.2026-11.warning/acknowledge', { key: TENANT_A.key })).status,
    ).toBe(404);
    const list = await call<{ items: unknown[] }>(base, 'GET', '/breaches/alice?status=open', {
      key: TENANT_B.key,
    });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    expect((await call(base, 'GET', '/breaches/alice?status=closed', { key: TENANT_A.key })).status).toBe(
      400,
    );
  });
});
