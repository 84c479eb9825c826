import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, type ReconciliationReport } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { reconcileCur } from '../../scripts/reconcile.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A } from '../support/runtime.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'reconciliation');
const FIXTURE_DAY = '2026-11-23';
const DAY = addDays(new Date().toISOString().slice(0, 10), -1);
/** A fixture moved to yesterday, so the tracked usage is recent enough to be accepted. */
const cur = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').replaceAll(FIXTURE_DAY, DAY);

const tablePrefix = `t${randomBytes(4).toString('hex')}`;
let runtime: LocalRuntime;
const alerts: { tenantId: string; report: ReconciliationReport }[] = [];
const alert = async (tenantId: string, report: ReconciliationReport) => {
  alerts.push({ tenantId, report });
};

interface Reconciliation {
  items: { date: string; region: string; modelId: string | null; gapPercent: number; billedUsd: number }[];
  totals: { trackedUsd: number; billedUsd: number; gapUsd: number; gapPercent: number };
}
const read = async () =>
  (
    await call<Reconciliation>(runtime.apiBase, 'GET', `/reconciliation?from=${DAY}&to=${DAY}`, {
      key: TENANT_A.key,
    })
  ).body;

beforeAll(async () => {
  runtime = await startTestRuntime({ tablePrefix });
  // What the fixtures bill, as tracked calls: USD 6 of Sonnet, 2 of Haiku, 1.5 of Nova Pro.
  const calls = [
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', 1_000_000, 200_000],
    ['anthropic.claude-3-haiku-20240307-v1:0', 4_000_000, 800_000],
    ['amazon.nova-pro-v1:0', 1_000_000, 218_750],
  ] as const;
  for (const [i, [modelId, inputTokens, outputTokens]] of calls.entries()) {
    const res = await call(runtime.apiBase, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: {
        requestId: `rec-${i}`,
        userId: i === 2 ? 'unattributed' : 'alice',
        modelId,
        inputTokens,
        outputTokens,
        timestamp: `${DAY}T12:00:00Z`,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}, 60_000);
afterAll(async () => {
  await runtime?.close();
});

describe('reconciliation with a CUR 2.0 export', () => {
  it('finds no gap when the bill matches the tracked usage, and raises no alert', async () => {
    const { report, skipped } = await reconcileCur(cur('cur-matching.csv'), {
      tenantId: TENANT_A.tenant,
      tablePrefix,
      alert,
    });
    expect(skipped).toBe(2); // another service's line and a credit
    expect(report.totals).toMatchObject({
      trackedNano: 9_500_000_000,
      billedNano: 9_500_000_000,
      gapNano: 0,
    });
    expect(report.exceeded).toBe(false);
    expect(alerts).toEqual([]);
    const stored = await read();
    expect(stored.totals).toEqual({ trackedUsd: 9.5, billedUsd: 9.5, gapUsd: 0, gapPercent: 0 });
    expect(stored.items).toHaveLength(3);
    expect(stored.items.every((i) => i.date === DAY && i.region === 'all')).toBe(true);
  });

  it('reports a 5 % gap and alerts the operators', async () => {
    const { report } = await reconcileCur(cur('cur-gap-5pct.csv'), {
      tenantId: TENANT_A.tenant,
      tablePrefix,
      alert,
    });
    expect(report.totals).toMatchObject({
      trackedNano: 9_500_000_000,
      billedNano: 10_000_000_000,
      gapPercent: 5,
    });
    expect(report.exceeded).toBe(true);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.tenantId).toBe(TENANT_A.tenant);
    const stored = await read();
    expect(stored.totals).toEqual({ trackedUsd: 9.5, billedUsd: 10, gapUsd: 0.5, gapPercent: 5 });
    expect(stored.items.find((i) => i.modelId === 'amazon.nova-pro-v1:0')).toMatchObject({ gapPercent: 25 });
  });

  it('stays under a higher threshold', async () => {
    const { report } = await reconcileCur(cur('cur-gap-5pct.csv'), {
      tenantId: TENANT_A.tenant,
      tablePrefix,
      alert,
      thresholdPercent: 10,
    });
    expect(report.exceeded).toBe(false);
    expect(alerts).toHaveLength(1);
  });
});
