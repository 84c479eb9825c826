import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HANDLER_ROUTES } from '../../lambdas/functions/routes.js';
import { documentClient } from '../../lambdas/platform/dynamo-client.js';
import type { ServiceEvent, ThresholdBreachedDetail } from '../../lambdas/platform/events/event-publisher.js';
import { physicalTableName, TABLE_LIST, TABLES, type TableKey } from '../../lambdas/platform/tables.js';
import { DynamoPriceStore } from '../../lambdas/pricing/adapters/dynamo-price-store.js';
import { forgetAllRetention } from '../../lambdas/privacy/use-cases/retention-policy.js';
import { FUNCTIONS } from '../../lib/functions.js';
import { ensureTables, tableEnvironment } from '../../local/create-tables.js';
import { toProxyEvent } from '../../local/proxy-event.js';

/**
 * Runs every deployed function's handler against DynamoDB Local and records each DynamoDB
 * request it sends (down to the items of a transaction or batch). Each request must be covered
 * by the function's spec, which is what `bindTable` grants: a request outside it would be an
 * AccessDenied in AWS that no template assertion can see.
 */

type Needed = { table: TableKey; action: string; index?: string };
const fnContext = new AsyncLocalStorage<string>();
const seen = new Map<string, Needed[]>();
const prefix = `g${Date.now().toString(36)}`;
const tableByName = new Map(TABLE_LIST.map((t) => [physicalTableName(t, prefix), t]));
const keyOf = (name: unknown): TableKey => {
  const definition = tableByName.get(String(name));
  const key = (Object.keys(TABLES) as TableKey[]).find((k) => TABLES[k] === definition);
  if (!key) throw new Error(`request to unknown table ${String(name)}`);
  return key;
};

type Input = Record<string, unknown> & {
  TableName?: string;
  IndexName?: string;
  TransactItems?: Record<string, { TableName: string }>[];
  RequestItems?: Record<string, unknown>;
};

/** The IAM actions one request needs. */
function needed(command: string, input: Input): Needed[] {
  const action = command.replace(/Command$/, '');
  switch (action) {
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return (input.TransactItems ?? []).flatMap((item) =>
        Object.entries(item).map(([kind, op]) => ({
          table: keyOf(op.TableName),
          action: kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`,
        })),
      );
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(input.RequestItems ?? {}).map((name) => ({ table: keyOf(name), action }));
    default:
      return [
        {
          table: keyOf(input.TableName),
          action,
          ...(input.IndexName ? { index: input.IndexName } : {}),
        },
      ];
  }
}

type Handler = (event: unknown) => Promise<unknown>;
const handlers = new Map<string, Handler>();
const TENANT = 'grants';

async function invoke(fn: string, event: unknown): Promise<unknown> {
  const handler = handlers.get(fn);
  if (!handler) throw new Error(`no handler ${fn}`);
  // Functions of one process share the retention cache; each must read the settings itself here.
  forgetAllRetention();
  return fnContext.run(fn, () => handler(event));
}

/**
 * Grants added for retention and the audit log: each must be needed by the scenario, not only
 * allowed (the data-protection table by every function that writes expiring items or audits a
 * change, and the retention job's rewrite of stored items by the sweep).
 */
const RETENTION_GRANTS: { fn: string; table: TableKey; actions: string[] }[] = [
  { fn: 'usage-api', table: 'dataProtection', actions: ['GetItem'] },
  { fn: 'pricing-api', table: 'dataProtection', actions: ['GetItem', 'PutItem'] },
  { fn: 'alerting-api', table: 'dataProtection', actions: ['GetItem', 'PutItem'] },
  { fn: 'control-api', table: 'dataProtection', actions: ['GetItem', 'PutItem'] },
  { fn: 'privacy-api', table: 'dataProtection', actions: ['GetItem', 'PutItem', 'Query'] },
  // The sweep's coordinator reads settings only for the expiry of a period reset's control history
  // (none in this scenario); the breaches it used to open are the sweep worker's now.
  { fn: 'sweep', table: 'dataProtection', actions: ['Query', 'PutItem', 'UpdateItem'] },
  { fn: 'sweep', table: 'tokenUsage', actions: ['Scan', 'UpdateItem'] },
  { fn: 'sweep', table: 'tokenAnalytics', actions: ['UpdateItem'] },
  { fn: 'sweep', table: 'controlActions', actions: ['Query', 'UpdateItem'] },
  { fn: 'sweep-worker', table: 'dataProtection', actions: ['GetItem'] },
];

async function http(
  fn: string,
  method: string,
  path: string,
  body?: unknown,
  query: Record<string, string> = {},
): Promise<APIGatewayProxyResult> {
  const route = HANDLER_ROUTES.find(
    (r) =>
      r.fn === fn &&
      r.method === method &&
      new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
  if (!route) throw new Error(`no route ${method} ${path} for ${fn}`);
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  const values = path.split('/').filter((_, i) => route.path.split('/')[i]?.startsWith('{'));
  const event: APIGatewayProxyEvent = toProxyEvent({
    method,
    path: `/api/cost-management${path}`,
    resource: `/api/cost-management${route.path}`,
    pathParameters: names.length ? Object.fromEntries(names.map((n, i) => [n, values[i] as string])) : null,
    query: new URLSearchParams(query),
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    tenantId: TENANT,
    sourceIp: '127.0.0.1',
    now: new Date(),
  });
  return (await invoke(fn, event)) as APIGatewayProxyResult;
}

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const usage = (requestId: string, userId: string) => ({
  requestId,
  userId,
  modelId: SONNET,
  inputTokens: 100_000,
  outputTokens: 10_000,
});

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  const sinks = mkdtempSync(join(tmpdir(), 'grants-'));
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...tableEnvironment(prefix),
    SENDER_EMAIL: 'alerts@example.com',
    // Nothing listens there: email fails fast and is recorded as failed.
    SES_ENDPOINT: 'http://127.0.0.1:9',
    SMS_SINK_FILE: join(sinks, 'sms.jsonl'),
    DEAD_LETTER_FILE: join(sinks, 'dead-letters.jsonl'),
    NOTIFY_ATTEMPTS: '1',
    NOTIFY_BACKOFF_MS: '0',
    REDELIVER_AFTER_SECONDS: '0',
    ERASURE_RESUME_AFTER_SECONDS: '0',
    // The sweep runs a retention job as soon as a retention changes.
    RETENTION_JOB_DELAY_SECONDS: '0',
    API_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:keys',
    // Nothing listens there: the price sync falls back to the release's data at once.
    PRICE_DATA_URL: 'http://127.0.0.1:9/data.json',
    // The capture and the reconciliation: the account of the log records and of the bill.
    CAPTURE_TENANTS: JSON.stringify({ '123456789012': TENANT }),
  });
  const admin = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTables(admin, prefix);
  admin.destroy();
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const fn = fnContext.getStore();
      if (fn) {
        const list = seen.get(fn) ?? [];
        list.push(...needed(String(context.commandName), args.input as Input));
        seen.set(fn, list);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordGrantNeeds' },
  );
  for (const { spec } of FUNCTIONS) {
    const mod = (await import(`../../lambdas/functions/${spec.name}-handler.ts`)) as { handler: Handler };
    handlers.set(spec.name, mod.handler);
  }
}, 120_000);

afterAll(() => {
  documentClient().middlewareStack.remove('recordGrantNeeds');
  costExplorer.restore();
});

/** The bill the reconciliation reads: one usage type billed on the last day of its window. */
const costExplorer = mockClient(CostExplorerClient);
const billedDay = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
costExplorer.on(GetCostAndUsageCommand).resolves({
  ResultsByTime: [
    {
      TimePeriod: { Start: billedDay, End: billedDay },
      Groups: [
        {
          Keys: ['USE1-Claude3.5Sonnet-input-tokens', 'us-east-1'],
          Metrics: { UnblendedCost: { Amount: '0.3', Unit: 'USD' } },
        },
      ],
    },
  ],
});

describe('each function sends only the DynamoDB requests its spec grants', () => {
  it('exercises every route and the event and schedule functions', async () => {
    const ok = (res: APIGatewayProxyResult) => expect(res.statusCode, res.body).toBeLessThan(300);
    // Thresholds: a UTC one and one in another zone (its period total is backfilled).
    const created = await http('alerting-api', 'POST', '/thresholds', {
      userId: 'alice',
      limitUsd: 0.5,
      channels: ['email', 'sms'],
    });
    ok(created);
    const thresholdId = (JSON.parse(created.body) as { thresholdId: string }).thresholdId;
    ok(
      await http('alerting-api', 'POST', '/thresholds', {
        userId: 'alice',
        limitUsd: 1000,
        timezone: 'Europe/Berlin',
      }),
    );
    ok(await http('alerting-api', 'GET', '/thresholds/alice'));
    ok(await http('alerting-api', 'PUT', `/thresholds/${thresholdId}`, { limitUsd: 0.4 }));
    ok(
      await http('alerting-api', 'PUT', '/alerting/alice', {
        email: 'owner@example.com',
        phone: '+4915112345678',
        escalation: { afterMinutes: 1, email: 'lead@example.com' },
      }),
    );
    ok(await http('alerting-api', 'GET', '/alerting/alice'));
    // Cost control with a hard budget, so ingest settles reservations.
    ok(
      await http('control-api', 'POST', '/auto-control/init', {
        userId: 'alice',
        budgetUsd: 1,
        period: 'monthly',
        hardLimit: true,
      }),
    );
    ok(
      await http('control-api', 'POST', '/check', {
        userId: 'alice',
        modelId: SONNET,
        estimatedInputTokens: 1000,
        estimatedOutputTokens: 100,
        requestId: 'g-1',
      }),
    );
    // Ingest crosses the thresholds (breach opened) and the control rules.
    ok(await http('usage-api', 'POST', '/track-usage', usage('g-1', 'alice')));
    ok(await http('usage-api', 'POST', '/track-usage', usage('g-1', 'alice')));
    ok(
      await http('usage-api', 'POST', '/track-usage/batch', {
        events: [usage('g-2', 'alice'), usage('g-3', 'alice'), usage('g-1', 'alice')],
      }),
    );
    // Invocation log records: one already tracked (a duplicate), one new.
    ok(
      await http('usage-api', 'POST', '/invocation-logs', {
        records: ['g-1', 'g-4'].map((costRequestId) => ({
          schemaType: 'ModelInvocationLog',
          schemaVersion: '1.0',
          timestamp: new Date().toISOString(),
          accountId: '123456789012',
          region: 'us-east-1',
          requestId: `bedrock-${costRequestId}`,
          operation: 'Converse',
          modelId: SONNET,
          input: { inputTokenCount: 10 },
          output: { outputTokenCount: 10 },
          requestMetadata: { costRequestId, userId: 'alice' },
        })),
      }),
    );
    // The same records delivered by the CloudWatch Logs subscription, and one more.
    const logEvents = ['g-1', 'g-4', 'g-5'].map((costRequestId, i) => ({
      id: String(i),
      timestamp: Date.now(),
      message: JSON.stringify({
        schemaType: 'ModelInvocationLog',
        schemaVersion: '1.0',
        timestamp: new Date().toISOString(),
        accountId: '123456789012',
        region: 'us-east-1',
        requestId: `bedrock-${costRequestId}`,
        operation: 'Converse',
        modelId: SONNET,
        input: { inputTokenCount: 10 },
        output: { outputTokenCount: 10 },
        requestMetadata: { costRequestId, userId: 'alice' },
      }),
    }));
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: 'g',
      logStream: 's',
      logEvents,
    };
    expect(
      await invoke('invocation-logs', {
        awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') },
      }),
    ).toMatchObject({ recorded: 1, duplicates: 2 });
    ok(
      await http('control-api', 'POST', '/check', {
        userId: 'alice',
        modelId: SONNET,
        estimatedInputTokens: 1000,
        estimatedOutputTokens: 100,
      }),
    );
    ok(await http('control-api', 'GET', '/auto-control/status/alice'));
    const actions = await http('control-api', 'GET', '/auto-control/actions/alice');
    ok(actions);
    const applied = (JSON.parse(actions.body) as { items: { actionId: string; type: string }[] }).items.find(
      (a) => a.type === 'apply',
    );
    expect(applied).toBeDefined();
    ok(
      await http('control-api', 'POST', `/auto-control/reverse/${applied?.actionId}`, {
        reason: 'grant check',
      }),
    );
    // Reads.
    ok(await http('usage-api', 'GET', '/analytics/alice'));
    ok(await http('usage-api', 'GET', '/projections/alice'));
    ok(await http('usage-api', 'GET', '/recommendations/alice'));
    ok(await http('usage-api', 'GET', '/export/alice', undefined, { format: 'json' }));
    ok(await http('usage-api', 'GET', '/benchmarks'));
    ok(await http('usage-api', 'GET', '/reconciliation'));
    expect(await invoke('reconciliation', {})).toMatchObject({ runs: [{ status: 'reconciled' }] });
    ok(await http('pricing-api', 'GET', '/models'));
    ok(
      await http('pricing-api', 'POST', '/estimate', {
        modelId: SONNET,
        days: 30,
        operations: [{ name: 'op', inputTokens: 10, outputTokens: 10, perDay: 1 }],
      }),
    );
    // Usage of a model without a price, then tenant prices (the first reprices it).
    ok(
      await http('usage-api', 'POST', '/track-usage', {
        ...usage('g-unpriced', 'alice'),
        modelId: 'acme.grant-1',
      }),
    );
    ok(await http('usage-api', 'GET', '/unpriced'));
    ok(
      await http('pricing-api', 'PUT', `/prices/${encodeURIComponent('acme.grant-1')}`, {
        effectiveFrom: '2020-01-01',
        inputPerMTokUsd: 1,
        outputPerMTokUsd: 2,
      }),
    );
    ok(
      await http('pricing-api', 'PUT', `/prices/${encodeURIComponent('acme.grant-2')}`, {
        effectiveFrom: '2020-01-01',
        inputPerMTokUsd: 1,
        outputPerMTokUsd: 2,
      }),
    );
    ok(await http('pricing-api', 'GET', '/prices'));
    ok(
      await http('pricing-api', 'DELETE', `/prices/${encodeURIComponent('acme.grant-2')}`, undefined, {
        effectiveFrom: '2020-01-01',
      }),
    );
    // A retention change: the sweep below runs its job over records, summaries, breaches, history, audit.
    ok(await http('privacy-api', 'PUT', '/settings', { retention: { usageDays: 90, historyDays: 365 } }));
    ok(await http('privacy-api', 'GET', '/settings'));
    ok(await http('privacy-api', 'GET', '/audit'));
    // Usage waiting for a price that appears outside the API (stored directly): the price sync
    // finds the tenant through the waiting index and reprices it.
    ok(
      await http('usage-api', 'POST', '/track-usage', {
        ...usage('g-unpriced-3', 'alice'),
        modelId: 'acme.grant-3',
      }),
    );
    await new DynamoPriceStore(documentClient(), physicalTableName(TABLES.modelPrices, prefix)).add(TENANT, {
      modelId: 'acme.grant-3',
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      source: 'tenant',
      rates: {
        inputNanoPerMTok: 1,
        outputNanoPerMTok: 1,
        cacheReadNanoPerMTok: null,
        cacheWriteNanoPerMTok: null,
      },
      createdAt: new Date().toISOString(),
    });
    const synced = (await invoke('price-sync', {})) as { repricing: { repriced: number } };
    expect(synced.repricing.repriced).toBe(1);
    // The background repricing of a backlog (RepricingRequested), on usage priced the same way.
    ok(
      await http('usage-api', 'POST', '/track-usage', {
        ...usage('g-unpriced-4', 'alice'),
        modelId: 'acme.grant-4',
      }),
    );
    await new DynamoPriceStore(documentClient(), physicalTableName(TABLES.modelPrices, prefix)).add(TENANT, {
      modelId: 'acme.grant-4',
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      source: 'tenant',
      rates: {
        inputNanoPerMTok: 1,
        outputNanoPerMTok: 1,
        cacheReadNanoPerMTok: null,
        cacheWriteNanoPerMTok: null,
      },
      createdAt: new Date().toISOString(),
    });
    const continued = (await invoke('repricer', {
      version: '0',
      id: 'grants-reprice',
      'detail-type': 'RepricingRequested',
      source: 'cost-management',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { tenantId: TENANT },
    })) as { repriced: number };
    expect(continued.repriced).toBe(1);
    ok(await http('platform-api', 'GET', '/openapi.json'));
    ok(await http('platform-api', 'GET', '/health'));
    // The breach, its notice, the sweep (escalation, redelivery), then acknowledge.
    const breaches = await http('alerting-api', 'GET', '/breaches/alice');
    ok(breaches);
    const items = (JSON.parse(breaches.body) as { items: { breachId: string; periodKey: string }[] }).items;
    expect(items.length).toBeGreaterThan(0);
    const breach = items[0] as { breachId: string; periodKey: string };
    const event = {
      version: '0',
      id: 'grants',
      'detail-type': 'ThresholdBreached',
      source: 'cost-management',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { tenantId: TENANT, breachId: breach.breachId },
    } as unknown as ServiceEvent<ThresholdBreachedDetail>;
    await invoke('notifier', event);
    // A forecast threshold is the sweep's to evaluate: it opens a breach (with its expiry).
    ok(
      await http('alerting-api', 'POST', '/thresholds', {
        userId: 'alice',
        type: 'forecast',
        limitUsd: 0.01,
      }),
    );
    await invoke('sweep', {});
    // The sweep's workers, one per shard (the coordinator puts their items on the bus).
    for (let shard = 0; shard < 8; shard++) {
      await invoke('sweep-worker', { ...event, 'detail-type': 'SweepShardRequested', detail: { shard } });
    }
    ok(await http('alerting-api', 'POST', `/breaches/${breach.breachId}/acknowledge`));
    // Tenant-wide reads: users by spend (with control levels and open breaches), breaches by status.
    const users = await http('usage-api', 'GET', '/users');
    ok(users);
    expect((JSON.parse(users.body) as { items: { userId: string }[] }).items.map((u) => u.userId)).toContain(
      'alice',
    );
    ok(await http('alerting-api', 'GET', '/breaches'));
    ok(await http('alerting-api', 'GET', '/breaches', undefined, { status: 'acknowledged', limit: '1' }));
    ok(await http('alerting-api', 'DELETE', `/thresholds/${thresholdId}`));
    // Erasure of alice, who has data in every table (a record waiting for a price among it): the
    // request, the sweep finding the open job, the run, the status, and a repeated request (which
    // asks every table whether alice has data again).
    ok(
      await http('usage-api', 'POST', '/track-usage', {
        ...usage('g-erase', 'alice'),
        modelId: 'acme.grant-erase',
      }),
    );
    const requested = await http('privacy-api', 'DELETE', '/users/alice');
    ok(requested);
    const erasureId = (JSON.parse(requested.body) as { erasureId: string }).erasureId;
    await invoke('sweep', {});
    expect(
      await invoke('erasure', {
        ...event,
        'detail-type': 'ErasureRequested',
        detail: { tenantId: TENANT, erasureId },
      }),
    ).toMatchObject({
      outcome: 'completed',
    });
    ok(await http('privacy-api', 'GET', `/erasures/${erasureId}`));
    expect(JSON.parse((await http('privacy-api', 'DELETE', '/users/alice')).body)).toMatchObject({
      erasureId,
      status: 'completed',
    });

    const missing: string[] = [];
    for (const { spec } of FUNCTIONS) {
      for (const need of seen.get(spec.name) ?? []) {
        const granted = spec.tables[need.table] ?? [];
        if (!granted.some((a) => a === need.action)) {
          missing.push(
            `${spec.name}: dynamodb:${need.action} on ${need.table}${need.index ? `/index/${need.index}` : ''}`,
          );
        }
      }
    }
    expect([...new Set(missing)]).toEqual([]);
    // These functions use every action they are granted, and no more.
    for (const name of ['erasure', 'privacy-api', 'reconciliation']) {
      const spec = FUNCTIONS.find((f) => f.spec.name === name)?.spec;
      const used = new Set((seen.get(name) ?? []).map((n) => `${n.table}:${n.action}`));
      const unused = Object.entries(spec?.tables ?? {}).flatMap(([table, actions]) =>
        (actions ?? []).map((action) => `${table}:${action}`).filter((grant) => !used.has(grant)),
      );
      expect(unused, name).toEqual([]);
    }
    // The retention and audit grants are exactly what the code sends: each granted, each needed.
    const unused: string[] = [];
    for (const { fn, table, actions } of RETENTION_GRANTS) {
      const spec = FUNCTIONS.find((f) => f.spec.name === fn)?.spec;
      expect(spec?.tables[table], `${fn} ${table}`).toEqual(expect.arrayContaining(actions));
      const used = seen.get(fn) ?? [];
      for (const action of actions) {
        if (!used.some((n) => n.table === table && n.action === action))
          unused.push(`${fn}: dynamodb:${action} on ${table}`);
      }
    }
    expect(unused).toEqual([]);
    // Functions that neither write expiring items, audit a change, run erasures, reprice nor capture
    // invocation logs (both run threshold detection, which opens breaches that expire with the
    // history retention, and capture writes records that expire with the usage retention) have no
    // data-protection grant.
    expect(
      FUNCTIONS.filter((f) => f.spec.tables.dataProtection)
        .map((f) => f.spec.name)
        .sort(),
    ).toEqual(
      [
        ...new Set([
          ...RETENTION_GRANTS.filter((g) => g.table === 'dataProtection').map((g) => g.fn),
          'erasure',
          'invocation-logs',
          'price-sync',
          'repricer',
        ]),
      ].sort(),
    );
    // The scenario really reached the stores of the functions that have tables.
    for (const { spec } of FUNCTIONS) {
      if (Object.keys(spec.tables).length > 0)
        expect(seen.get(spec.name)?.length ?? 0, spec.name).toBeGreaterThan(0);
    }
  }, 120_000);
});
