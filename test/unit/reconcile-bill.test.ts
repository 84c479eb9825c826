import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import type { NanoUsd, ReconciliationReport } from '@cost-management/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CostExplorerBill, costAndUsageRequest } from '../../lambdas/usage/adapters/cost-explorer-bill.js';
import type {
  BilledUsageGroup,
  BilledUsagePage,
  BilledUsageQuery,
  BillReader,
} from '../../lambdas/usage/ports/bill-reader.js';
import type {
  ReconciliationStore,
  StoredReconciliationRow,
} from '../../lambdas/usage/ports/reconciliation.js';
import { accountTenants, parseTenantMap } from '../../lambdas/usage/use-cases/capture-invocation-logs.js';
import {
  type BillReconciliationConfig,
  reconcileBill,
  reconciliationWindow,
} from '../../lambdas/usage/use-cases/reconcile-bill.js';

/**
 * The daily reconciliation with the bill, with Cost Explorer behind a fake port that pages its
 * answer, and the tracked usage and stored rows in memory. The alarm compares the published
 * gap with the threshold (`GreaterThanThreshold`), as the deployed one does.
 */

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const NOVA_PRO = 'amazon.nova-pro-v1:0';
/** With the defaults (3 days, 2 days' lag), a run on the 26th compares the 22nd to the 24th. */
const NOW = new Date('2026-11-26T06:00:00Z');
const ACCOUNT = '123456789012';

const usd = (n: number): NanoUsd => Math.round(n * 1e9);
const group = (usageType: string, amount: string, region = 'us-east-1', unit = 'USD'): BilledUsageGroup => ({
  usageType,
  region,
  amount,
  unit,
});

/** What the tenant's calls were priced at on the 23rd: USD 6 of Sonnet, 2 of Haiku, 1.5 of Nova Pro. */
const TRACKED = [
  { date: '2026-11-23', modelId: SONNET, nano: usd(6) },
  { date: '2026-11-23', modelId: HAIKU, nano: usd(2) },
  { date: '2026-11-23', modelId: NOVA_PRO, nano: usd(1.5) },
];

/** The bill of the 23rd as Cost Explorer groups it (the Sonnet input split across two Regions). */
const matchingGroups = [
  group('USE1-Claude3.5Sonnet-input-tokens', '2.9999999999'),
  group('USW2-Claude3.5Sonnet-input-tokens', '0.0000000001', 'us-west-2'),
  group('USE1-Claude3.5Sonnet-output-tokens', '3'),
  group('USE1-Claude3Haiku-input-tokens', '1.0'),
  group('USE1-Claude3Haiku-output-tokens', '1'),
  group('USW2-NovaPro-input-tokens', '0.8', 'us-west-2'),
  group('USW2-NovaPro-output-tokens', '0.7', 'us-west-2'),
];

/** A fake Cost Explorer: answers the days in pages of `perPage` days, with a NextPageToken between them. */
class FakeBill implements BillReader {
  readonly calls: { query: BilledUsageQuery; pageToken: string | undefined }[] = [];
  constructor(
    private readonly byDay: Record<string, BilledUsageGroup[]>,
    private readonly perPage = 1,
    private readonly failFor: string[] = [],
  ) {}
  async usagePage(query: BilledUsageQuery, pageToken?: string): Promise<BilledUsagePage> {
    this.calls.push({ query, pageToken });
    if (this.failFor.includes(query.account)) {
      throw Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' });
    }
    const days: string[] = [];
    for (let d = query.start; d < query.end; d = nextDay(d)) days.push(d);
    const start = pageToken ? Number(pageToken.replace('page-', '')) : 0;
    const page = days.slice(start, start + this.perPage);
    return {
      days: page.map((date) => ({ date, groups: this.byDay[date] ?? [] })),
      ...(start + this.perPage < days.length ? { nextPageToken: `page-${start + this.perPage}` } : {}),
    };
  }
}
const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

function harness(bill: BillReader, tracked = TRACKED) {
  const stored = new Map<string, StoredReconciliationRow[]>();
  const store: ReconciliationStore = {
    async save(tenantId, rows) {
      const kept = (stored.get(tenantId) ?? []).filter((r) => !rows.some((n) => n.date === r.date));
      stored.set(tenantId, [...kept, ...rows]);
    },
    async list(tenantId, from, to) {
      return (stored.get(tenantId) ?? []).filter((r) => r.date >= from && r.date <= to);
    },
  };
  const alerts: string[] = [];
  const gaps: { tenantId: string; gapPercent: number }[] = [];
  const deps = {
    bill,
    tracked: {
      dailyModelCosts: vi.fn(async (_tenantId: string, from: string, to: string) =>
        tracked.filter((t) => t.date >= from && t.date <= to),
      ),
    },
    store,
    alert: async (tenantId: string) => {
      alerts.push(tenantId);
    },
    gapMetric: (tenantId: string, report: ReconciliationReport) => {
      gaps.push({ tenantId, gapPercent: Math.abs(report.totals.gapPercent) });
    },
  };
  return { deps, stored, alerts, gaps };
}

const config = (overrides: Partial<BillReconciliationConfig> = {}): BillReconciliationConfig => ({
  accounts: [{ account: ACCOUNT, tenantId: 'tenant-a' }],
  services: ['Amazon Bedrock'],
  thresholdPercent: 2,
  days: 3,
  lagDays: 2,
  ...overrides,
});

/** The deployed alarm's condition: the day's largest gap above the threshold. */
const alarmFires = (gaps: { gapPercent: number }[], threshold: number) =>
  Math.max(...gaps.map((g) => g.gapPercent)) > threshold;

afterEach(() => vi.restoreAllMocks());

describe('the daily reconciliation with Cost Explorer', () => {
  it('reads every page of the bill and finds no gap when it matches the tracked usage', async () => {
    const bill = new FakeBill({ '2026-11-23': matchingGroups });
    const { deps, stored, alerts, gaps } = harness(bill);
    const summary = await reconcileBill(deps, config(), NOW);

    expect(summary).toMatchObject({ from: '2026-11-22', to: '2026-11-24' });
    // One page per day, each asking for the next with the token of the one before.
    expect(bill.calls.map((c) => c.pageToken)).toEqual([undefined, 'page-1', 'page-2']);
    expect(bill.calls[0]?.query).toEqual({
      account: ACCOUNT,
      services: ['Amazon Bedrock'],
      start: '2026-11-22',
      end: '2026-11-25',
    });
    expect(summary.runs).toEqual([
      {
        account: ACCOUNT,
        tenantId: 'tenant-a',
        status: 'reconciled',
        trackedNano: usd(9.5),
        billedNano: usd(9.5),
        gapNano: 0,
        gapPercent: 0,
        exceeded: false,
        unmappedUsageTypes: [],
        ignoredUsageTypes: [],
        pages: 3,
      },
    ]);
    expect(alerts).toEqual([]);
    expect(gaps).toEqual([{ tenantId: 'tenant-a', gapPercent: 0 }]);
    expect(alarmFires(gaps, 2)).toBe(false);
    expect(stored.get('tenant-a')?.map((r) => [r.date, r.modelId, r.gapNano])).toEqual([
      ['2026-11-23', NOVA_PRO, 0],
      ['2026-11-23', SONNET, 0],
      ['2026-11-23', HAIKU, 0],
    ]);
    expect(deps.tracked.dailyModelCosts).toHaveBeenCalledWith('tenant-a', '2026-11-22', '2026-11-24');
  });

  it('reports a 5 % gap, alerts, and publishes a gap the alarm fires on', async () => {
    const bill = new FakeBill({
      '2026-11-23': [...matchingGroups, group('USW2-NovaPro-input-tokens', '0.5', 'us-west-2')],
    });
    const { deps, stored, alerts, gaps } = harness(bill);
    const [run] = (await reconcileBill(deps, config(), NOW)).runs;
    expect(run).toMatchObject({
      status: 'reconciled',
      trackedNano: usd(9.5),
      billedNano: usd(10),
      gapNano: usd(0.5),
      gapPercent: 5,
      exceeded: true,
    });
    expect(alerts).toEqual(['tenant-a']);
    expect(gaps).toEqual([{ tenantId: 'tenant-a', gapPercent: 5 }]);
    expect(alarmFires(gaps, 2)).toBe(true);
    // With a threshold of 10 %, neither the run nor the alarm alerts.
    expect(alarmFires(gaps, 10)).toBe(false);
    expect(stored.get('tenant-a')?.find((r) => r.modelId === NOVA_PRO)).toMatchObject({ gapPercent: 25 });
  });

  it('keeps a usage type of an unknown model in the gap and leaves usage that is not tokens out', async () => {
    const bill = new FakeBill(
      {
        '2026-11-23': [
          ...matchingGroups,
          group('USE1-Zephyr9Ultra-input-tokens', '0.25'),
          group('USE1-ProvisionedThroughput-Claude3Haiku-ModelUnits', '20'),
        ],
      },
      3,
    );
    const { deps, stored, gaps } = harness(bill);
    const [run] = (await reconcileBill(deps, config({ thresholdPercent: 5 }), NOW)).runs;
    expect(run).toMatchObject({
      billedNano: usd(9.75),
      gapNano: usd(0.25),
      gapPercent: 2.56,
      exceeded: false,
      unmappedUsageTypes: ['USE1-Zephyr9Ultra-input-tokens'],
      ignoredUsageTypes: ['USE1-ProvisionedThroughput-Claude3Haiku-ModelUnits'],
      pages: 1,
    });
    expect(stored.get('tenant-a')?.find((r) => r.modelId === null)).toMatchObject({
      billedNano: usd(0.25),
      usageTypes: ['USE1-Zephyr9Ultra-input-tokens'],
    });
    expect(alarmFires(gaps, 5)).toBe(false);
  });

  it('compares a day the bill names with nothing: usage tracked on it is a gap', async () => {
    const tracked = [...TRACKED, { date: '2026-11-24', modelId: SONNET, nano: usd(1) }];
    const { deps, stored, gaps } = harness(new FakeBill({ '2026-11-23': matchingGroups }), tracked);
    const [run] = (await reconcileBill(deps, config(), NOW)).runs;
    expect(run).toMatchObject({ trackedNano: usd(10.5), billedNano: usd(9.5), exceeded: true });
    expect(stored.get('tenant-a')?.find((r) => r.date === '2026-11-24')).toMatchObject({
      modelId: SONNET,
      trackedNano: usd(1),
      billedNano: 0,
      gapPercent: -100,
    });
    expect(alarmFires(gaps, 2)).toBe(true);
  });

  it('reconciles each mapped account for its own tenant; one failing does not stop the others', async () => {
    const bill = new FakeBill({ '2026-11-23': matchingGroups }, 3, ['222222222222']);
    const { deps, gaps } = harness(bill);
    const accounts = accountTenants(
      parseTenantMap(
        JSON.stringify({
          '222222222222': 'tenant-b',
          [ACCOUNT]: 'tenant-a',
          // A role entry routes log records; it has no bill of its own.
          [`arn:aws:iam::${ACCOUNT}:role/team-c`]: 'tenant-c',
        }),
      ),
    );
    expect(accounts).toEqual([
      { account: ACCOUNT, tenantId: 'tenant-a' },
      { account: '222222222222', tenantId: 'tenant-b' },
    ]);
    const summary = await reconcileBill(deps, config({ accounts }), NOW);
    expect(summary.runs.map((r) => [r.account, r.tenantId, r.status])).toEqual([
      [ACCOUNT, 'tenant-a', 'reconciled'],
      ['222222222222', 'tenant-b', 'failed'],
    ]);
    expect(summary.runs[1]).toMatchObject({ error: { name: 'LimitExceededException' } });
    expect(gaps.map((g) => g.tenantId)).toEqual(['tenant-a']);
  });

  it('refuses amounts in another currency than USD, and an answer for days it did not ask', async () => {
    const inEuro = new FakeBill({
      '2026-11-23': [group('USE1-Claude3Haiku-input-tokens', '1', 'us-east-1', 'EUR')],
    });
    const [euro] = (await reconcileBill(harness(inEuro).deps, config(), NOW)).runs;
    expect(euro).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/EUR, not USD/) },
    });

    const stray: BillReader = {
      usagePage: async () => ({ days: [{ date: '2026-10-01', groups: [] }] }),
    };
    const [run] = (await reconcileBill(harness(stray).deps, config(), NOW)).runs;
    expect(run).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/outside/) } });
  });

  it('stops at a bill that keeps paging', async () => {
    const endless: BillReader = { usagePage: async () => ({ days: [], nextPageToken: 'again' }) };
    const [run] = (await reconcileBill(harness(endless).deps, config(), NOW)).runs;
    expect(run).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/more than 200 pages/) },
    });
  });

  it('compares closed days only: the window ends lagDays before the run', () => {
    expect(reconciliationWindow(new Date('2026-03-01T23:59:59Z'), 3, 2)).toEqual({
      from: '2026-02-25',
      to: '2026-02-27',
    });
    expect(reconciliationWindow(NOW, 1, 0)).toEqual({ from: '2026-11-26', to: '2026-11-26' });
    expect(() => reconciliationWindow(NOW, 0, 2)).toThrow(/days/);
    expect(() => reconciliationWindow(NOW, 3, -1)).toThrow(/lagDays/);
  });
});

describe('Cost Explorer adapter', () => {
  const ce = mockClient(CostExplorerClient);
  afterEach(() => ce.reset());
  const query: BilledUsageQuery = {
    account: ACCOUNT,
    services: ['Amazon Bedrock'],
    start: '2026-11-22',
    end: '2026-11-25',
  };

  it('asks GetCostAndUsage for daily unblended usage of the account and services, by usage type and Region', async () => {
    expect(costAndUsageRequest(query, 'token-2')).toEqual({
      TimePeriod: { Start: '2026-11-22', End: '2026-11-25' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      Filter: {
        And: [
          { Dimensions: { Key: 'SERVICE', Values: ['Amazon Bedrock'] } },
          { Dimensions: { Key: 'LINKED_ACCOUNT', Values: [ACCOUNT] } },
          { Dimensions: { Key: 'RECORD_TYPE', Values: ['Usage'] } },
        ],
      },
      GroupBy: [
        { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
        { Type: 'DIMENSION', Key: 'REGION' },
      ],
      NextPageToken: 'token-2',
    });
    expect(costAndUsageRequest(query)).not.toHaveProperty('NextPageToken');
  });

  it('maps the answer to days and groups, and passes the next page token on', async () => {
    ce.on(GetCostAndUsageCommand).resolves({
      GroupDefinitions: [
        { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
        { Type: 'DIMENSION', Key: 'REGION' },
      ],
      ResultsByTime: [
        {
          TimePeriod: { Start: '2026-11-22', End: '2026-11-23' },
          Total: {},
          Groups: [],
          Estimated: false,
        },
        {
          TimePeriod: { Start: '2026-11-23', End: '2026-11-24' },
          Total: {},
          Groups: [
            {
              Keys: ['USE1-Claude3Haiku-input-tokens', 'us-east-1'],
              Metrics: { UnblendedCost: { Amount: '1.2345678912', Unit: 'USD' } },
            },
            {
              Keys: ['USE1-Claude3Haiku-output-tokens', 'NoRegion'],
              Metrics: { UnblendedCost: { Amount: '3.5E-7', Unit: 'USD' } },
            },
          ],
          Estimated: true,
        },
      ],
      NextPageToken: 'next-1',
      DimensionValueAttributes: [],
    });
    const page = await new CostExplorerBill(new CostExplorerClient({ region: 'us-east-1' })).usagePage(query);
    expect(page).toEqual({
      days: [
        { date: '2026-11-22', groups: [] },
        {
          date: '2026-11-23',
          groups: [
            {
              usageType: 'USE1-Claude3Haiku-input-tokens',
              region: 'us-east-1',
              amount: '1.2345678912',
              unit: 'USD',
            },
            { usageType: 'USE1-Claude3Haiku-output-tokens', region: null, amount: '3.5E-7', unit: 'USD' },
          ],
        },
      ],
      nextPageToken: 'next-1',
    });
    expect(ce.commandCalls(GetCostAndUsageCommand)[0]?.args[0].input).toEqual(costAndUsageRequest(query));
  });

  it('refuses a group without its cost', async () => {
    ce.on(GetCostAndUsageCommand).resolves({
      ResultsByTime: [
        { TimePeriod: { Start: '2026-11-23', End: '2026-11-24' }, Groups: [{ Keys: ['X'], Metrics: {} }] },
      ],
    });
    await expect(
      new CostExplorerBill(new CostExplorerClient({ region: 'us-east-1' })).usagePage(query),
    ).rejects.toThrow(/without usage type or UnblendedCost/);
  });
});
