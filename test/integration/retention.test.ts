import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

let runtime: LocalRuntime;
let api: string;
let db: ReturnType<typeof tables>;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
  db = tables();
});
afterAll(async () => {
  await runtime.close();
});

const DAY = 86_400;
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const daysAgo = (days: number, minutes = 0) =>
  new Date(Date.now() - days * DAY * 1000 - minutes * 60_000).toISOString();
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const dayOf = (iso: string) => iso.slice(0, 10);

async function settings(key: string, retention: { usageDays?: number; historyDays?: number }) {
  const res = await call<{ retentionJob: { status: string } | null }>(api, 'PUT', '/settings', {
    key,
    body: { retention },
  });
  expect(res.status).toBe(200);
  return res.body;
}

async function track(key: string, body: Record<string, unknown>, status = 201) {
  const res = await call<{ error?: { details: { path: string }[] } }>(api, 'POST', '/track-usage', {
    key,
    body: { userId: 'rita', modelId: SONNET, inputTokens: 1000, outputTokens: 100, ...body },
  });
  expect(res.status, res.text).toBe(status);
  return res.body;
}

const record = (tenant: string, requestId: string) =>
  db.get('tokenUsage', `T#${tenant}#REQ#${requestId}`, 'R');

describe('retention of raw usage records', () => {
  it('gives each record its expiry from the tenant’s usage retention; a change applies to the next record', async () => {
    await settings(TENANT_B.key, { usageDays: 90 });
    const ts1 = daysAgo(1);
    await track(TENANT_B.key, { requestId: 'ret-1', timestamp: ts1 });
    expect((await record(TENANT_B.tenant, 'ret-1'))?.expiresAt).toBe(epoch(ts1) + 90 * DAY);
    // The other tenant keeps the default of 400 days.
    await track(TENANT_A.key, { requestId: 'ret-a1', timestamp: ts1 });
    expect((await record(TENANT_A.tenant, 'ret-a1'))?.expiresAt).toBe(epoch(ts1) + 400 * DAY);

    await settings(TENANT_B.key, { usageDays: 60 });
    const ts2 = daysAgo(2);
    await track(TENANT_B.key, { requestId: 'ret-2', timestamp: ts2 });
    expect((await record(TENANT_B.tenant, 'ret-2'))?.expiresAt).toBe(epoch(ts2) + 60 * DAY);
    // Records written before keep their expiry until the retention job rewrites them.
    expect((await record(TENANT_B.tenant, 'ret-1'))?.expiresAt).toBe(epoch(ts1) + 90 * DAY);
  });

  it('refuses an event older than the retention, naming the timestamp, and stores nothing', async () => {
    const body = await track(TENANT_B.key, { requestId: 'ret-old', timestamp: daysAgo(61) }, 400);
    expect(body.error?.details.map((d) => d.path)).toEqual(['timestamp']);
    expect(await record(TENANT_B.tenant, 'ret-old')).toBeUndefined();
    // Inside the retention it is accepted, and a replay of it is answered from its record.
    await track(TENANT_B.key, { requestId: 'ret-59', timestamp: daysAgo(59) });
    const replay = await call<{ duplicate: boolean }>(api, 'POST', '/track-usage', {
      key: TENANT_B.key,
      body: {
        requestId: 'ret-59',
        userId: 'rita',
        modelId: SONNET,
        inputTokens: 1000,
        outputTokens: 100,
        timestamp: (await record(TENANT_B.tenant, 'ret-59'))?.timestamp,
      },
    });
    expect(replay.status).toBe(200);
    expect(replay.body.duplicate).toBe(true);
  });
});

describe('retention of history', () => {
  it('gives breaches, control entries and audit entries their expiry from the history retention', async () => {
    await settings(TENANT_B.key, { historyDays: 200 });
    expect(
      (
        await call(api, 'POST', '/thresholds', {
          key: TENANT_B.key,
          body: { userId: 'hist', limitUsd: 0.001, channels: ['email'] },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(api, 'POST', '/auto-control/init', {
          key: TENANT_B.key,
          body: { userId: 'hist', budgetUsd: 0.001, period: 'monthly' },
        })
      ).status,
    ).toBe(201);
    await track(TENANT_B.key, { requestId: 'hist-1', userId: 'hist', inputTokens: 100_000 });
    await runtime.alerting.bus.idle();

    const breaches = (await db.query('thresholdBreaches', `T#${TENANT_B.tenant}`)).filter((b) =>
      String(b.sk).startsWith('B#'),
    );
    expect(breaches.length).toBeGreaterThan(0);
    for (const breach of breaches) {
      const from = [String(breach.detectedAt), String(breach.periodEnd)].sort()[1] as string;
      expect(breach.expiresAt).toBe(epoch(from) + 200 * DAY);
    }
    const actions = (await db.query('controlActions', `T#${TENANT_B.tenant}`)).filter((a) =>
      String(a.sk).startsWith('A#'),
    );
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action.expiresAt).toBe(epoch(String(action.at)) + 200 * DAY);
    const audit = await db.query('dataProtection', `T#${TENANT_B.tenant}#AUDIT`);
    const changes = audit.filter((e) => e.action === 'threshold.create' || e.action === 'control.create');
    expect(changes).toHaveLength(2);
    for (const entry of changes) expect(entry.expiresAt).toBe(epoch(String(entry.at)) + 200 * DAY);
  });
});

describe('a retention change applied to stored items', () => {
  it('runs as a job with the sweep: records, breaches, control and audit entries get the new expiry', async () => {
    const changed = await settings(TENANT_B.key, { usageDays: 45, historyDays: 100 });
    expect(changed.retentionJob?.status).toBe('pending');
    const before = await record(TENANT_A.tenant, 'ret-a1');

    await runtime.alerting.sweep();

    const view = await call<{
      retentionJob: { status: string; usageDays: number; historyDays: number; rewritten: number };
    }>(api, 'GET', '/settings', { key: TENANT_B.key });
    expect(view.body.retentionJob).toMatchObject({ status: 'completed', usageDays: 45, historyDays: 100 });
    expect(view.body.retentionJob.rewritten).toBeGreaterThan(0);

    for (const id of ['ret-1', 'ret-2', 'hist-1']) {
      const item = await record(TENANT_B.tenant, id);
      expect(item?.expiresAt, id).toBe(epoch(String(item?.timestamp)) + 45 * DAY);
    }
    for (const breach of await db.query('thresholdBreaches', `T#${TENANT_B.tenant}`)) {
      const from = [String(breach.detectedAt), String(breach.periodEnd)].sort()[1] as string;
      expect(breach.expiresAt).toBe(epoch(from) + 100 * DAY);
    }
    for (const action of await db.query('controlActions', `T#${TENANT_B.tenant}`)) {
      expect(action.expiresAt).toBe(epoch(String(action.at)) + 100 * DAY);
    }
    const audit = await db.query('dataProtection', `T#${TENANT_B.tenant}#AUDIT`);
    expect(audit.length).toBeGreaterThan(0);
    for (const entry of audit) expect(entry.expiresAt).toBe(epoch(String(entry.at)) + 100 * DAY);
    // Another tenant's records are not touched.
    expect(await record(TENANT_A.tenant, 'ret-a1')).toEqual(before);

    // Running again changes nothing: the job is complete, and recomputing gives the same expiry.
    const again = (await runtime.alerting.sweep()) as { retentionJobs: { jobs: number } };
    expect(again.retentionJobs.jobs).toBe(0);
  });
});

describe('what lies before the retention', () => {
  const MODEL = 'acme.retention-model-v1';

  it('leaves expired records out of the unpriced summary and the export, and says where retained data begins', async () => {
    const old = daysAgo(35);
    const recent = daysAgo(1, 5);
    await track(TENANT_A.key, { requestId: 'unp-old', userId: 'uma', modelId: MODEL, timestamp: old });
    await track(TENANT_A.key, { requestId: 'unp-new', userId: 'uma', modelId: MODEL, timestamp: recent });
    type Unpriced = { items: { modelId: string; events: number; firstSeen: string }[] };
    const listed = async () =>
      (await call<Unpriced>(api, 'GET', '/unpriced', { key: TENANT_A.key })).body.items.find(
        (i) => i.modelId === MODEL,
      );
    expect((await listed())?.events).toBe(2);

    await settings(TENANT_A.key, { usageDays: 30 });
    // At once, before any job: the summary counts the records still retained.
    expect(await listed()).toMatchObject({ events: 1, firstSeen: recent });

    await runtime.alerting.sweep();
    const expired = await record(TENANT_A.tenant, 'unp-old');
    expect(expired?.expiresAt).toBe(epoch(old) + 30 * DAY);
    expect(Number(expired?.expiresAt)).toBeLessThan(Date.now() / 1000);
    const summaries = await db.query('tokenAnalytics', `T#${TENANT_A.tenant}#UNPRICED`);
    const oldDay = summaries.find((s) => s.sk === `${MODEL}#${dayOf(old)}`);
    expect(Number(oldDay?.expiresAt)).toBeLessThan(Date.now() / 1000);

    const from = dayOf(daysAgo(40));
    const to = dayOf(daysAgo(0));
    type ExportPage = {
      items: { requestId: string }[];
      retention: { usageDays: number; firstRetainedDay: string; rangeBeforeRetention: boolean };
    };
    const exported = await call<ExportPage>(api, 'GET', `/export/uma?from=${from}&to=${to}&format=json`, {
      key: TENANT_A.key,
    });
    expect(exported.status).toBe(200);
    expect(exported.body.items.map((i) => i.requestId)).toEqual(['unp-new']);
    const firstRetainedDay = dayOf(daysAgo(30));
    expect(exported.body.retention).toEqual({ usageDays: 30, firstRetainedDay, rangeBeforeRetention: true });

    const csv = await call(api, 'GET', `/export/uma?from=${from}&to=${to}&format=csv`, { key: TENANT_A.key });
    expect(csv.headers.get('x-retention-first-retained-day')).toBe(firstRetainedDay);
    expect(csv.headers.get('x-retention-range-before')).toBe('true');
    expect(csv.text).not.toContain('unp-old');

    const inside = await call<ExportPage>(api, 'GET', `/export/uma?from=${firstRetainedDay}&to=${to}`, {
      key: TENANT_A.key,
    });
    expect(inside.body.retention.rangeBeforeRetention).toBe(false);

    // Analytics read aggregates, which are kept: the old day still counts, and the answer says so.
    const analytics = await call<{
      totals: { requests: number };
      retention: { rangeBeforeRetention: boolean; firstRetainedDay: string };
    }>(api, 'GET', `/analytics/uma?from=${from}&to=${to}`, { key: TENANT_A.key });
    expect(analytics.body.totals.requests).toBe(2);
    expect(analytics.body.retention).toMatchObject({ rangeBeforeRetention: true, firstRetainedDay });
  });
});
