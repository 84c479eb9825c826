import { randomBytes } from 'node:crypto';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { addDays } from '@cost-management/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { BillReconciliationSummary } from '../../lambdas/usage/use-cases/reconcile-bill.js';
import { tableEnvironment } from '../../local/create-tables.js';
import { toProxyEvent } from '../../local/proxy-event.js';
import { createTablesAt } from '../support/dynamo.js';
import { captureEmf } from '../support/emf.js';

/**
 * The scheduled reconciliation function against DynamoDB Local, with Cost Explorer mocked at the
 * SDK: the bill of the mapped account is compared with what its tenant's calls were priced at, the
 * rows are answered by `GET /reconciliation`, and the gap is published as `ReconciliationGap`.
 */

const ACCOUNT = '123456789012';
/** With the defaults (3 days, 2 days' lag) the run compares the three days ending the day before yesterday. */
const DAY = addDays(new Date().toISOString().slice(0, 10), -2);
const ce = mockClient(CostExplorerClient);
const emf: Record<string, unknown>[] = [];
let reconcile: () => Promise<BillReconciliationSummary>;
let usageApi: (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;

const proxy = (method: string, path: string, query: Record<string, string>, body?: unknown) =>
  toProxyEvent({
    method,
    path: `/api/cost-management${path}`,
    resource: `/api/cost-management${path}`,
    pathParameters: null,
    query: new URLSearchParams(query),
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    tenantId: 'tenant-a',
    sourceIp: '127.0.0.1',
    now: new Date(),
  });

/** Cost Explorer's answer: the bill of DAY in two pages. */
function billOf(novaProInput: string) {
  const result = (groups: [string, string, string][]) => ({
    TimePeriod: { Start: DAY, End: addDays(DAY, 1) },
    Total: {},
    Groups: groups.map(([usageType, region, amount]) => ({
      Keys: [usageType, region],
      Metrics: { UnblendedCost: { Amount: amount, Unit: 'USD' } },
    })),
    Estimated: true,
  });
  ce.reset();
  ce.on(GetCostAndUsageCommand)
    .resolvesOnce({
      ResultsByTime: [
        {
          TimePeriod: { Start: addDays(DAY, -2), End: addDays(DAY, -1) },
          Total: {},
          Groups: [],
          Estimated: false,
        },
        { TimePeriod: { Start: addDays(DAY, -1), End: DAY }, Total: {}, Groups: [], Estimated: false },
        result([
          ['USE1-Claude3.5Sonnet-input-tokens', 'us-east-1', '3'],
          ['USE1-Claude3.5Sonnet-output-tokens', 'us-east-1', '3'],
        ]),
      ],
      NextPageToken: 'page-2',
    })
    .resolvesOnce({
      ResultsByTime: [
        result([
          ['USE1-Claude3Haiku-input-tokens', 'us-east-1', '1'],
          ['USE1-Claude3Haiku-output-tokens', 'us-east-1', '1'],
          ['USW2-NovaPro-input-tokens', 'us-west-2', novaProInput],
          ['USW2-NovaPro-output-tokens', 'us-west-2', '0.7'],
        ]),
      ],
    });
}

const gapsPublished = () => emf.filter((line) => 'ReconciliationGap' in line).map((l) => l.ReconciliationGap);

beforeAll(async () => {
  const prefix = `rs${randomBytes(4).toString('hex')}`;
  const endpoint = inject('dynamodbEndpoint');
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...tableEnvironment(prefix),
    CAPTURE_TENANTS: JSON.stringify({ [ACCOUNT]: 'tenant-a' }),
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'CostManagement',
  });
  captureEmf(emf);
  await createTablesAt(endpoint, prefix);
  ({ handler: reconcile } = (await import('../../lambdas/functions/reconciliation-handler.js')) as never);
  ({ handler: usageApi } = (await import('../../lambdas/functions/usage-api-handler.js')) as never);
  // What the bill charges, as tracked calls: USD 6 of Sonnet, 2 of Haiku, 1.5 of Nova Pro.
  const calls = [
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', 1_000_000, 200_000],
    ['anthropic.claude-3-haiku-20240307-v1:0', 4_000_000, 800_000],
    ['amazon.nova-pro-v1:0', 1_000_000, 218_750],
  ] as const;
  for (const [i, [modelId, inputTokens, outputTokens]] of calls.entries()) {
    const res = await usageApi(
      proxy(
        'POST',
        '/track-usage',
        {},
        {
          requestId: `sched-${i}`,
          userId: i === 2 ? 'unattributed' : 'alice',
          modelId,
          inputTokens,
          outputTokens,
          timestamp: `${DAY}T12:00:00Z`,
        },
      ),
    );
    expect(res.statusCode, res.body).toBe(201);
  }
}, 120_000);
afterAll(() => {
  vi.restoreAllMocks();
  ce.restore();
});

describe('the scheduled reconciliation', () => {
  it('finds no gap when the bill matches, stores the rows and publishes a gap of 0', async () => {
    billOf('0.8');
    const summary = await reconcile();
    expect(summary).toMatchObject({ from: addDays(DAY, -2), to: DAY });
    expect(summary.runs).toEqual([
      expect.objectContaining({
        status: 'reconciled',
        tenantId: 'tenant-a',
        gapPercent: 0,
        exceeded: false,
        pages: 2,
      }),
    ]);
    // The request Cost Explorer got: the window, the account, Bedrock usage only, by usage type and Region.
    const [first, second] = ce.commandCalls(GetCostAndUsageCommand).map((c) => c.args[0].input);
    expect(first).toMatchObject({
      TimePeriod: { Start: addDays(DAY, -2), End: addDays(DAY, 1) },
      Granularity: 'DAILY',
      Filter: {
        And: expect.arrayContaining([{ Dimensions: { Key: 'LINKED_ACCOUNT', Values: [ACCOUNT] } }]),
      },
    });
    expect(second?.NextPageToken).toBe('page-2');

    const res = await usageApi(proxy('GET', '/reconciliation', { from: DAY, to: DAY }));
    expect(res.statusCode, res.body).toBe(200);
    const body = JSON.parse(res.body) as { items: unknown[]; totals: unknown };
    expect(body.totals).toEqual({ trackedUsd: 9.5, billedUsd: 9.5, gapUsd: 0, gapPercent: 0 });
    expect(body.items).toHaveLength(3);
    expect(gapsPublished()).toEqual([0]);
  });

  it('reports a 5 % gap: the rows say so and the published gap is above the 2 % the alarm watches', async () => {
    billOf('1.3');
    const summary = await reconcile();
    expect(summary.runs).toEqual([
      expect.objectContaining({ status: 'reconciled', gapPercent: 5, exceeded: true }),
    ]);
    const res = await usageApi(proxy('GET', '/reconciliation', { from: DAY, to: DAY }));
    expect(JSON.parse(res.body).totals).toEqual({
      trackedUsd: 9.5,
      billedUsd: 10,
      gapUsd: 0.5,
      gapPercent: 5,
    });
    expect(gapsPublished()).toEqual([0, 5]);
    const line = emf.find((l) => l.ReconciliationGap === 5) as { _aws: { CloudWatchMetrics: unknown[] } };
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'CostManagement',
        Dimensions: [['service']],
        Metrics: [{ Name: 'ReconciliationGap', Unit: 'Percent' }],
      },
    ]);
  });

  it('fails the invocation when Cost Explorer refuses, so the schedule retries and the error alarm sees it', async () => {
    ce.reset();
    ce.on(GetCostAndUsageCommand).rejects(
      Object.assign(new Error('User not enabled for cost explorer access'), {
        name: 'AccessDeniedException',
      }),
    );
    await expect(reconcile()).rejects.toThrow(`reconciliation failed for account(s) ${ACCOUNT}`);
  });
});
