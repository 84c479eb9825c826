import { type Period, periodOf } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Threshold } from '../../lambdas/alerting/ports/alerting-store.js';
import { type BackfillDeps, completePeriodTotal } from '../../lambdas/alerting/use-cases/backfill-period.js';
import { createThreshold, updateThreshold } from '../../lambdas/alerting/use-cases/manage-thresholds.js';
import { thresholdBackfillDeps, thresholdStore } from '../../lambdas/alerting/wiring.js';
import { spec as alertingApiSpec } from '../../lambdas/functions/alerting-api-environment.js';
import { spec as backfillSpec } from '../../lambdas/functions/threshold-backfill-environment.js';
import type { ThresholdBackfillRequestedDetail } from '../../lambdas/platform/events/event-publisher.js';
import { loadEnvironment } from '../../lambdas/platform/function-spec.js';
import { aggregateStore, usageRecordReader } from '../../lambdas/usage/wiring.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A } from '../support/runtime.js';

let runtime: LocalRuntime;
let base: string;
let env: ReturnType<typeof loadEnvironment<typeof backfillSpec>>;

beforeAll(async () => {
  runtime = await startTestRuntime({ alerting: { sesPort: 0, sweepIntervalSeconds: 0 } });
  base = runtime.apiBase;
  env = loadEnvironment(backfillSpec);
});
afterAll(async () => runtime?.close());

const tenantId = TENANT_A.tenant;
const ZONE = 'Europe/Berlin';
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records one event (distinct token counts, so each costs something else); answers its cost. */
async function track(userId: string, requestId: string, tokens: number, timestamp?: string): Promise<void> {
  const res = await call(base, 'POST', '/track-usage', {
    key: TENANT_A.key,
    body: {
      requestId,
      userId,
      modelId: SONNET,
      inputTokens: tokens,
      outputTokens: 100,
      ...(timestamp ? { timestamp } : {}),
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** The zone period of a monthly Berlin threshold now. */
const berlinMonth = (at = new Date()): Period => periodOf('monthly', at.toISOString(), ZONE);

/** The exact cost of the user's records of the period, summed from the raw records. */
async function recordsCost(userId: string, period: Period): Promise<number> {
  let sum = 0;
  let cursor: string | undefined;
  do {
    const page = await usageRecordReader(env).listRecords(
      tenantId,
      userId,
      { from: period.start, to: period.end },
      { limit: 100, ...(cursor ? { cursor } : {}) },
    );
    for (const r of page.records)
      if (r.timestamp >= period.start && r.timestamp < period.end) sum += r.costNano;
    cursor = page.nextCursor;
  } while (cursor);
  return sum;
}

const totalCost = async (userId: string, period: Period) =>
  (await aggregateStore(env).costs([{ tenantId, userId, period }]))[0] ?? 0;

/** The backfill's dependencies, reading immediately (DynamoDB Local's index is consistent). */
const deps = (over: Partial<BackfillDeps> = {}): BackfillDeps => ({
  ...thresholdBackfillDeps(env, { records: usageRecordReader(env), totals: aggregateStore(env) }, 0),
  ...over,
});

/** Creates a Berlin threshold through the use case; the backfill event is kept, not delivered. */
async function createPending(
  userId: string,
): Promise<{ threshold: Threshold; detail: ThresholdBackfillRequestedDetail }> {
  const asked: ThresholdBackfillRequestedDetail[] = [];
  const { threshold } = await createThreshold(
    {
      thresholds: thresholdStore(env),
      requestBackfill: async (tenant, t) => {
        asked.push({ tenantId: tenant, thresholdId: t.thresholdId, backfillBefore: t.backfillBefore ?? '' });
      },
    },
    tenantId,
    {
      userId,
      type: 'absolute',
      period: 'monthly',
      limitUsd: 1000,
      timezone: ZONE,
      channels: ['email'],
      enabled: true,
    },
    new Date(),
  );
  expect(asked).toEqual([
    { tenantId, thresholdId: threshold.thresholdId, backfillBefore: threshold.createdAt },
  ]);
  return { threshold, detail: asked[0] as ThresholdBackfillRequestedDetail };
}

describe('threshold backfill off the request path', () => {
  it('answers pending at once; the event completes the zone total with the exact sum, once', async () => {
    const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
    await track('bea', 'bea-1', 1000, ago(3));
    await track('bea', 'bea-2', 2000, ago(2));
    await track('bea', 'bea-3', 3000);
    await pause(5);
    const created = await call<{ thresholdId: string; periodTotals: string }>(base, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: { userId: 'bea', limitUsd: 1000, timezone: ZONE },
    });
    expect(created.status).toBe(201);
    expect(created.body.periodTotals).toBe('pending');
    const id = created.body.thresholdId;
    // The API function reads no records and writes no total: it is granted neither table (the
    // grants test checks that every request it sends is granted).
    expect(alertingApiSpec.tables).not.toHaveProperty('tokenUsage');
    expect(alertingApiSpec.tables).not.toHaveProperty('tokenAnalytics');
    const period = berlinMonth();

    await runtime.alerting.bus.idle();
    const got = await call<{
      items: { thresholdId: string; periodTotals: string; periodTotalsCompletedAt?: string }[];
    }>(base, 'GET', '/thresholds/bea', { key: TENANT_A.key });
    const after = got.body.items.find((t) => t.thresholdId === id);
    expect(after?.periodTotals).toBe('complete');
    expect(after?.periodTotalsCompletedAt).toEqual(expect.any(String));
    const exact = await recordsCost('bea', period);
    expect(exact).toBeGreaterThan(0);
    expect(await totalCost('bea', period)).toBe(exact);

    // A duplicate delivery of the same event adds nothing.
    const stored = await thresholdStore(env).get(tenantId, id);
    const again = await completePeriodTotal(deps(), {
      tenantId,
      thresholdId: id,
      backfillBefore: stored?.backfillBefore ?? '',
    });
    expect(again).toEqual({ outcome: 'superseded' });
    expect(await totalCost('bea', period)).toBe(exact);
  });

  it('counts events ingested between creation and backfill exactly once, late reports included', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    await track('cid', 'cid-1', 1100, before);
    await track('cid', 'cid-2', 1200);
    await pause(5);
    const { threshold, detail } = await createPending('cid');
    expect(threshold.periodTotals).toBe('pending');
    // Ingest knows the threshold now: these go to the zone total as they are recorded. One is a
    // late report whose usage timestamp lies before the threshold started.
    await track('cid', 'cid-3', 1300);
    await track('cid', 'cid-4', 1400, before);
    const period = berlinMonth();
    const exact = await recordsCost('cid', period);
    expect(await totalCost('cid', period)).toBeLessThan(exact);

    const done = await completePeriodTotal(deps(), detail);
    expect(done).toMatchObject({ outcome: 'completed', from: threshold.createdAt });
    expect(await totalCost('cid', period)).toBe(exact);
    expect((await thresholdStore(env).get(tenantId, threshold.thresholdId))?.periodTotals).toBe('complete');

    // Redelivered after a crash between the add and the mark: the marker makes it add nothing.
    await thresholdStore(env).put(tenantId, { ...threshold, periodTotals: 'pending' });
    expect(await completePeriodTotal(deps(), detail)).toMatchObject({
      outcome: 'completed',
      added: { costNano: 0, requests: 0 },
    });
    expect(await totalCost('cid', period)).toBe(exact);

    // After completion every event counts, and a second threshold of the zone adds nothing.
    await track('cid', 'cid-5', 1500);
    const second = await createPending('cid');
    await track('cid', 'cid-6', 1600);
    expect(await completePeriodTotal(deps(), second.detail)).toMatchObject({
      outcome: 'completed',
      from: threshold.createdAt,
      added: { costNano: 0, requests: 0 },
    });
    expect(await totalCost('cid', period)).toBe(await recordsCost('cid', period));
  });

  it('usage repriced while the backfill is pending is counted once, at its new price', async () => {
    const model = 'acme.backfill-1';
    const res = await call(base, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: { requestId: 'fin-1', userId: 'fin', modelId: model, inputTokens: 1_000_000, outputTokens: 0 },
    });
    expect(res.status).toBe(201);
    await track('fin', 'fin-2', 1700);
    await pause(5);
    const { detail } = await createPending('fin');
    // The price arrives: the waiting record is repriced (its cost added to the totals that hold it).
    const priced = await call(base, 'PUT', `/prices/${encodeURIComponent(model)}`, {
      key: TENANT_A.key,
      body: { effectiveFrom: '2020-01-01', inputPerMTokUsd: 3, outputPerMTokUsd: 3 },
    });
    expect(priced.status, JSON.stringify(priced.body)).toBeLessThan(300);
    await runtime.alerting.bus.idle();
    const period = berlinMonth();
    const exact = await recordsCost('fin', period);
    expect(exact).toBeGreaterThan(3_000_000_000);
    await completePeriodTotal(deps(), detail);
    expect(await totalCost('fin', period)).toBe(exact);
  });

  it('two thresholds of a zone backfilled out of order still count every record once', async () => {
    await track('dee', 'dee-1', 2100);
    await pause(5);
    const first = await createPending('dee');
    await track('dee', 'dee-2', 2200);
    await pause(5);
    const second = await createPending('dee');
    await track('dee', 'dee-3', 2300);
    // The second's backfill runs first and does not see the first threshold yet (index lag): it
    // adds everything written before the second started, dee-2 included, which ingest counted too.
    const store = thresholdStore(env);
    const blind: BackfillDeps['thresholds'] = {
      get: (t, id) => store.get(t, id),
      listByUser: async (t, u) =>
        (await store.listByUser(t, u)).filter((x) => x.thresholdId !== first.threshold.thresholdId),
      completePeriodTotals: (...args) => store.completePeriodTotals(...args),
    };
    expect(await completePeriodTotal(deps({ thresholds: blind }), second.detail)).toMatchObject({
      outcome: 'completed',
      from: second.threshold.createdAt,
    });
    const period = berlinMonth();
    expect(await totalCost('dee', period)).toBeGreaterThan(await recordsCost('dee', period));
    // The first's backfill takes back what was counted twice and moves the marker to its start.
    const corrected = await completePeriodTotal(deps(), first.detail);
    expect(corrected).toMatchObject({ outcome: 'completed', from: first.threshold.createdAt });
    if (corrected.outcome === 'completed') expect(corrected.added.requests).toBe(-1);
    expect(await totalCost('dee', period)).toBe(await recordsCost('dee', period));
  });

  it('re-zoning starts a new backfill; a threshold changed since its event is left to the newer one', async () => {
    await track('eve', 'eve-1', 2500);
    await pause(5);
    const { threshold, detail } = await createPending('eve');
    await pause(5);
    const asked: string[] = [];
    const moved = await updateThreshold(
      {
        thresholds: thresholdStore(env),
        requestBackfill: async (_t, t) => void asked.push(t.backfillBefore ?? ''),
      },
      tenantId,
      threshold.thresholdId,
      { timezone: 'Asia/Kolkata' },
      new Date(),
    );
    expect(moved.threshold).toMatchObject({ periodTotals: 'pending', timezone: 'Asia/Kolkata' });
    expect(asked).toEqual([moved.threshold.backfillBefore]);
    expect(await completePeriodTotal(deps(), detail)).toEqual({ outcome: 'superseded' });
    const toUtc = await updateThreshold(
      { thresholds: thresholdStore(env), requestBackfill: async () => void asked.push('again') },
      tenantId,
      threshold.thresholdId,
      { timezone: 'UTC' },
      new Date(),
    );
    expect(toUtc.threshold.periodTotals).toBe('complete');
    expect(asked).toHaveLength(1);
  });
});
