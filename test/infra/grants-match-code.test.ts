import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HANDLER_ROUTES } from '../../lambdas/functions/routes.js';
import { documentClient } from '../../lambdas/platform/dynamo-client.js';
import type { ServiceEvent, ThresholdBreachedDetail } from '../../lambdas/platform/events/event-publisher.js';
import { physicalTableName, TABLE_LIST, TABLES, type TableKey } from '../../lambdas/platform/tables.js';
import { DynamoPriceStore } from '../../lambdas/pricing/adapters/dynamo-price-store.js';
import { forgetAllRetention } from '../../lambdas/privacy/use-cases/retention-policy.js';
import type { CaptureConfig } from '../../lib/capture-config.js';
import { FUNCTIONS, type RegisteredFunction } from '../../lib/functions.js';
import { ensureTables, tableEnvironment } from '../../local/create-tables.js';
import { toProxyEvent } from '../../local/proxy-event.js';
import {
  type DeployedGrants,
  deployedGrants,
  grantNeeds,
  type Missing,
  missingFromPolicy,
  missingFromSpec,
  missingLabel,
  type Need,
  SdkRecorder,
  type TableRequest,
  tableRequests,
  unusedBindings,
} from './support/grants.js';
import { synthesizeService, TEST_CONFIG } from './support/service.js';

/**
 * Runs every deployed function's handler and records each AWS request it sends: DynamoDB (against
 * DynamoDB Local, down to the items of a transaction or batch), SES, SNS, SQS, EventBridge,
 * Secrets Manager, S3 and Cost Explorer (mocked, so the real adapters run up to the request). Each
 * request becomes the IAM permissions it needs, which must be granted by the function's spec and
 * by its role in the synthesized templates (with and without the SES sandbox): a request outside
 * them would be an AccessDenied in AWS that no template assertion can see.
 */

const fnContext = new AsyncLocalStorage<string>();
const recorder = new SdkRecorder(fnContext);
const prefix = `g${Date.now().toString(36)}`;
const tableByName = new Map(TABLE_LIST.map((t) => [physicalTableName(t, prefix), t]));
const keyOf = (name: unknown): TableKey => {
  const definition = tableByName.get(String(name));
  const key = (Object.keys(TABLES) as TableKey[]).find((k) => TABLES[k] === definition);
  if (!key) throw new Error(`request to unknown table ${String(name)}`);
  return key;
};
/** The DynamoDB requests a function sent, as IAM actions on tables. */
const tableRequestsOf = (fn: string): TableRequest[] =>
  recorder
    .of(fn)
    .filter((c) => c.service === 'dynamodb')
    .flatMap((c) => tableRequests(c, keyOf));

const TENANT = 'grants';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** The variables the infrastructure sets for the bindings, with values that stand for the resources. */
const BINDINGS = {
  EVENT_BUS_NAME: 'grants-bus',
  EMERGENCY_TOPIC_ARN: `arn:aws:sns:${REGION}:000000000000:grants-emergency`,
  DEAD_LETTER_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/000000000000/grants-dead-letters`,
  API_KEYS_SECRET_ARN: `arn:aws:secretsmanager:${REGION}:000000000000:secret:grants-keys`,
};
/** The deployment the templates are synthesized with: every binding, and the capture from S3. */
const LOG_BUCKET_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CAPTURE: CaptureConfig = {
  tenants: { [ACCOUNT]: TENANT },
  logGroup: '/aws/bedrock/modelinvocations',
  bucket: { name: 'grants-bedrock-logs', prefix: 'bedrock/', keyArn: LOG_BUCKET_KEY },
};
const API_KEY = 'grants-api-key-0123456789';

type Handler = (event: unknown, context?: unknown) => Promise<unknown>;
const handlers = new Map<string, Handler>();

async function invoke(fn: string, event: unknown, context?: unknown): Promise<unknown> {
  const handler = handlers.get(fn);
  if (!handler) throw new Error(`no handler ${fn}`);
  // Functions of one process share the retention cache; each must read the settings itself here.
  forgetAllRetention();
  return fnContext.run(fn, () => handler(event, context));
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

/** The Bedrock log object the S3 notification announces: two records of bob, one already captured. */
const LOG_OBJECT_KEY = `bedrock/AWSLogs/${ACCOUNT}/BedrockModelInvocationLogs/${REGION}/2026/11/30/10/grants.json.gz`;
const logObject = () =>
  gzipSync(
    `${['g-5', 'g-6']
      .map((costRequestId) =>
        JSON.stringify({
          schemaType: 'ModelInvocationLog',
          schemaVersion: '1.0',
          timestamp: new Date().toISOString(),
          accountId: ACCOUNT,
          region: REGION,
          requestId: `bedrock-${costRequestId}`,
          operation: 'Converse',
          modelId: SONNET,
          input: { inputTokenCount: 10 },
          output: { outputTokenCount: 10 },
          requestMetadata: { costRequestId, userId: 'bob' },
        }),
      )
      .join('\n')}\n`,
  );

/** The AWS answers: plausible outputs, so the code goes on as it would after a successful request. */
function answerAws(): void {
  const billedDay = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  recorder.mock(CostExplorerClient, 'ce', [
    [
      GetCostAndUsageCommand,
      // The bill the reconciliation reads: one usage type billed on the last day of its window.
      () => ({
        ResultsByTime: [
          {
            TimePeriod: { Start: billedDay, End: billedDay },
            Groups: [
              {
                Keys: ['USE1-Claude3.5Sonnet-input-tokens', REGION],
                Metrics: { UnblendedCost: { Amount: '0.3', Unit: 'USD' } },
              },
            ],
          },
        ],
      }),
    ],
  ]);
  recorder.mock(SESv2Client, 'ses', [[SendEmailCommand, () => ({ MessageId: 'grants-email' })]]);
  recorder.mock(SNSClient, 'sns', [[PublishCommand, () => ({ MessageId: 'grants-sns' })]]);
  recorder.mock(SQSClient, 'sqs', [
    [SendMessageCommand, () => ({ MessageId: 'grants-sqs', MD5OfMessageBody: '0' })],
  ]);
  recorder.mock(EventBridgeClient, 'events', [
    [
      PutEventsCommand,
      (input: { Entries?: unknown[] }) => ({
        FailedEntryCount: 0,
        Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `grants-${i}` })),
      }),
    ],
  ]);
  recorder.mock(SecretsManagerClient, 'secretsmanager', [
    [
      GetSecretValueCommand,
      (input: { SecretId: string }) => ({
        ARN: input.SecretId,
        SecretString: JSON.stringify({ [createHash('sha256').update(API_KEY).digest('hex')]: TENANT }),
      }),
    ],
  ]);
  recorder.mock(S3Client, 's3', [
    [
      GetObjectCommand,
      (input: { Bucket: string; Key: string }) => {
        if (input.Bucket !== CAPTURE.bucket?.name || input.Key !== LOG_OBJECT_KEY)
          throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
        const bytes = logObject();
        return {
          ContentLength: bytes.length,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: LOG_BUCKET_KEY,
          Body: { transformToByteArray: async () => bytes },
        };
      },
    ],
  ]);
}

/** The templates of the deployment, in the SES sandbox and out of it. */
let inSandbox: DeployedGrants;
let outOfSandbox: DeployedGrants;

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...tableEnvironment(prefix),
    ...BINDINGS,
    SENDER_EMAIL: TEST_CONFIG.senderEmail,
    NOTIFY_ATTEMPTS: '1',
    NOTIFY_BACKOFF_MS: '0',
    // A channel that fails is past its deadline at once: its notice goes to the dead-letter queue.
    NOTIFY_DEADLINE_SECONDS: '0',
    REDELIVER_AFTER_SECONDS: '0',
    ERASURE_RESUME_AFTER_SECONDS: '0',
    // The sweep runs a retention job as soon as a retention changes.
    RETENTION_JOB_DELAY_SECONDS: '0',
    // A new tenant price reprices one waiting record at once and hands the rest to the background.
    REPRICE_INLINE_RECORDS: '1',
    // Nothing listens there: the price sync falls back to the release's data at once.
    PRICE_DATA_URL: 'http://127.0.0.1:9/data.json',
    // The capture and the reconciliation: the account of the log records and of the bill.
    CAPTURE_TENANTS: JSON.stringify(CAPTURE.tenants),
  });
  const admin = new DynamoDBClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTables(admin, prefix);
  admin.destroy();
  recorder.watch(documentClient(), 'dynamodb');
  answerAws();
  for (const { spec } of FUNCTIONS) {
    const mod = (await import(`../../lambdas/functions/${spec.name}-handler.ts`)) as { handler: Handler };
    handlers.set(spec.name, mod.handler);
  }
  const config = { ...TEST_CONFIG, capture: CAPTURE };
  inSandbox = deployedGrants(
    synthesizeService({ bundle: false, config: { ...config, sesSandbox: true } }),
    FUNCTIONS,
  );
  outOfSandbox = deployedGrants(synthesizeService({ bundle: false, config }), FUNCTIONS);
}, 120_000);

afterAll(() => recorder.restore());

/** Every permission the recorded requests need. */
const needs = (): Need[] =>
  grantNeeds(recorder.calls, {
    tableOf: keyOf,
    environment: {
      ...BINDINGS,
      ...Object.fromEntries(TABLE_LIST.map((t) => [t.envVar, physicalTableName(t, prefix)])),
    },
    region: REGION,
  });

describe('each function sends only the AWS requests its spec and its role grant', () => {
  it('exercises every route and the event, schedule and authorizer functions', async () => {
    const ok = (res: APIGatewayProxyResult) => expect(res.statusCode, res.body).toBeLessThan(300);
    // The authorizer reads the key hashes from Secrets Manager.
    expect(
      await invoke('authorizer', {
        type: 'TOKEN',
        authorizationToken: API_KEY,
        methodArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:grantsapi/test/GET/health`,
      }),
    ).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] }, context: { tenantId: TENANT } });
    // Thresholds: a UTC one and one in another zone (its period total is backfilled off the request path).
    const created = await http('alerting-api', 'POST', '/thresholds', {
      userId: 'alice',
      limitUsd: 0.5,
      channels: ['email', 'sms', 'webhook'],
    });
    ok(created);
    const thresholdId = (JSON.parse(created.body) as { thresholdId: string }).thresholdId;
    const zoned = await http('alerting-api', 'POST', '/thresholds', {
      userId: 'alice',
      limitUsd: 1000,
      timezone: 'Europe/Berlin',
    });
    ok(zoned);
    // Its backfill (ThresholdBackfillRequested; no bus here, so invoked as EventBridge would).
    const pending = JSON.parse(zoned.body) as { thresholdId: string; createdAt: string };
    expect(
      await invoke('threshold-backfill', {
        'detail-type': 'ThresholdBackfillRequested',
        source: 'cost-management',
        detail: { tenantId: TENANT, thresholdId: pending.thresholdId, backfillBefore: pending.createdAt },
      }),
    ).toMatchObject({ outcome: 'completed' });
    ok(await http('alerting-api', 'GET', '/thresholds/alice'));
    ok(await http('alerting-api', 'PUT', `/thresholds/${thresholdId}`, { limitUsd: 0.4 }));
    ok(
      await http('alerting-api', 'PUT', '/alerting/alice', {
        email: 'owner@example.com',
        phone: '+4915112345678',
        // A private address: the sender refuses it, and the failed notice is dead-lettered.
        webhookUrl: 'https://127.0.0.1/hooks/grants',
        webhookSecret: 'grants-webhook-secret',
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
    // The S3 delivery: a new object under the bucket's prefix (one record captured already, one new
    // that crosses bob's threshold: the capture publishes ThresholdBreached).
    ok(await http('alerting-api', 'POST', '/thresholds', { userId: 'bob', limitUsd: 0.0001 }));
    expect(
      await invoke('invocation-logs', {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: REGION,
            eventTime: new Date().toISOString(),
            eventName: 'ObjectCreated:Put',
            s3: {
              s3SchemaVersion: '1.0',
              bucket: { name: CAPTURE.bucket?.name, arn: `arn:aws:s3:::${CAPTURE.bucket?.name}` },
              object: { key: LOG_OBJECT_KEY, size: 1024 },
            },
          },
        ],
      }),
    ).toMatchObject({ recorded: 1, duplicates: 1 });
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
    // The usage is carol's, whose threshold the repriced cost crosses: the sync publishes the breach.
    ok(await http('alerting-api', 'POST', '/thresholds', { userId: 'carol', limitUsd: 0.01 }));
    ok(
      await http('usage-api', 'POST', '/track-usage', {
        ...usage('g-unpriced-3', 'carol'),
        modelId: 'acme.grant-3',
      }),
    );
    await new DynamoPriceStore(documentClient(), physicalTableName(TABLES.modelPrices, prefix)).add(TENANT, {
      modelId: 'acme.grant-3',
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      source: 'tenant',
      rates: {
        inputNanoPerMTok: 1_000_000_000,
        outputNanoPerMTok: 1_000_000_000,
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
    const repricing = {
      version: '0',
      id: 'grants-reprice',
      'detail-type': 'RepricingRequested',
      source: 'cost-management',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { tenantId: TENANT },
    };
    // A run with no time left hands the whole backlog on to a next run (RepricingRequested).
    expect(await invoke('repricer', repricing, { getRemainingTimeInMillis: () => 0 })).toEqual({
      repriced: 0,
      handedOff: true,
    });
    const continued = (await invoke('repricer', repricing)) as { repriced: number };
    expect(continued.repriced).toBe(1);
    ok(await http('platform-api', 'GET', '/openapi.json'));
    ok(await http('platform-api', 'GET', '/health'));
    // The emergency breach, its notice (email, SMS, the emergency topic, and the refused webhook
    // dead-lettered), the sweep (escalation, redelivery), then acknowledge.
    const breaches = await http('alerting-api', 'GET', '/breaches/alice');
    ok(breaches);
    const items = (JSON.parse(breaches.body) as { items: { breachId: string; level: string }[] }).items;
    const breach = items.find((b) => b.level === 'emergency');
    if (!breach) throw new Error(`no emergency breach among ${JSON.stringify(items)}`);
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
    const erasureEvent = {
      ...event,
      'detail-type': 'ErasureRequested',
      detail: { tenantId: TENANT, erasureId },
    };
    // A run with no time left saves the job and puts the event that goes on with it.
    expect(await invoke('erasure', erasureEvent, { getRemainingTimeInMillis: () => 0 })).toMatchObject({
      outcome: 'continued',
    });
    expect(await invoke('erasure', erasureEvent)).toMatchObject({
      outcome: 'completed',
    });
    ok(await http('privacy-api', 'GET', `/erasures/${erasureId}`));
    expect(JSON.parse((await http('privacy-api', 'DELETE', '/users/alice')).body)).toMatchObject({
      erasureId,
      status: 'completed',
    });

    // The scenario sent every kind of request the functions make (besides DynamoDB), and none the
    // test does not answer.
    const kinds = new Set(
      recorder.calls
        .filter((c) => c.service !== 'dynamodb')
        .map((c) => {
          const target = c.service === 'sns' ? (c.input.PhoneNumber ? ' SMS' : ' topic') : '';
          return `${c.fn} ${c.service}:${c.command}${target}`;
        }),
    );
    expect([...kinds].filter((k) => k.includes('(unanswered)'))).toEqual([]);
    expect([...kinds]).toEqual(
      expect.arrayContaining([
        'authorizer secretsmanager:GetSecretValue',
        'notifier ses:SendEmail',
        'notifier sns:Publish SMS',
        'notifier sns:Publish topic',
        'notifier sqs:SendMessage',
        'usage-api events:PutEvents',
        'privacy-api events:PutEvents',
        'pricing-api events:PutEvents',
        'repricer events:PutEvents',
        'invocation-logs events:PutEvents',
        'sweep events:PutEvents',
        'price-sync events:PutEvents',
        'erasure events:PutEvents',
        'invocation-logs s3:GetObject',
        'reconciliation ce:GetCostAndUsage',
      ]),
    );
    // Every request is granted by the function's spec and by its role in the templates, in the SES
    // sandbox (recipients are identities too) and out of it.
    const all = needs();
    const explained = (found: Missing[]) => found.map((m) => `${missingLabel(m)} (${m.reason})`);
    expect({
      spec: explained(missingFromSpec(all, FUNCTIONS)),
      policyInSesSandbox: explained(missingFromPolicy(all, inSandbox)),
      policy: explained(missingFromPolicy(all, outOfSandbox)),
    }).toEqual({ spec: [], policyInSesSandbox: [], policy: [] });
    // And every binding besides the tables is used by some request: none is granted for nothing.
    expect(unusedBindings(all, FUNCTIONS)).toEqual([]);
    // These functions use every action they are granted, and no more.
    for (const name of ['erasure', 'privacy-api', 'reconciliation']) {
      const spec = FUNCTIONS.find((f) => f.spec.name === name)?.spec;
      const used = new Set(tableRequestsOf(name).map((n) => `${n.table}:${n.action}`));
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
      const used = tableRequestsOf(fn);
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
        expect(tableRequestsOf(spec.name).length, spec.name).toBeGreaterThan(0);
    }
  }, 120_000);

  it('grants the contacts table key to the functions bound to the table and to no other', () => {
    const table = inSandbox.environmentResource('alerting-api', TABLES.alertingConfig.envVar);
    const key = table && inSandbox.keyOf(table);
    expect(key).toMatch(/^AWS::KMS::Key:data\//);
    for (const { spec } of FUNCTIONS) {
      const grantsKey = (inSandbox.statements.get(spec.name) ?? []).some((s) =>
        s.resources.includes(key as string),
      );
      expect(grantsKey, spec.name).toBe(spec.tables.alertingConfig !== undefined);
    }
    // And the scenario used it: every function bound to the table sent requests on it.
    const users = FUNCTIONS.filter((f) => f.spec.tables.alertingConfig).map((f) => f.spec.name);
    for (const fn of users)
      expect(
        tableRequestsOf(fn).some((r) => r.table === 'alertingConfig'),
        fn,
      ).toBe(true);
  });
});

/**
 * The comparison fails when a permission is gone: the same recorded requests, against a spec or a
 * template with one grant removed, report exactly the requests that grant covered.
 */
describe('a request without its grant is reported', () => {
  const labels = (found: Missing[]) => found.map(missingLabel);

  it('an SMS of the notifier once its spec no longer says sendsSms (spec and synthesized role)', () => {
    const withoutSms: RegisteredFunction[] = FUNCTIONS.map((f) =>
      f.spec.name === 'notifier' ? { ...f, spec: { ...f.spec, sendsSms: false } } : f,
    );
    const all = needs();
    expect(labels(missingFromSpec(all, withoutSms))).toEqual(['notifier: sns:Publish on *']);
    const deployed = deployedGrants(
      synthesizeService({
        bundle: false,
        functions: withoutSms,
        config: { ...TEST_CONFIG, capture: CAPTURE, sesSandbox: true },
      }),
      withoutSms,
    );
    expect(labels(missingFromPolicy(all, deployed))).toEqual(['notifier: sns:Publish on *']);
  }, 60_000);

  it("the usage API's PutEvents once its statement is deleted from the template", () => {
    const statements = new Map(inSandbox.statements);
    statements.set(
      'usage-api',
      (statements.get('usage-api') ?? []).filter((s) => !s.actions.includes('events:PutEvents')),
    );
    expect(labels(missingFromPolicy(needs(), { ...inSandbox, statements }))).toEqual([
      'usage-api: events:PutEvents on $EVENT_BUS_NAME',
    ]);
  });

  it("the notifier's recipients in the SES sandbox once only the sender identity is granted", () => {
    const statements = new Map(inSandbox.statements);
    statements.set(
      'notifier',
      (statements.get('notifier') ?? []).filter((s) => !s.resources.some((r) => r.endsWith(':identity/*'))),
    );
    const identity = (name: string) => `arn:aws:ses:${REGION}:000000000000:identity/${name}`;
    const recipients = [
      ...new Set(
        recorder
          .of('notifier')
          .filter((c) => c.service === 'ses')
          .flatMap((c) => (c.input.Destination as { ToAddresses: string[] }).ToAddresses),
      ),
    ];
    expect(recipients.length).toBeGreaterThan(0);
    expect(labels(missingFromPolicy(needs(), { ...inSandbox, statements }))).toEqual(
      recipients.map(
        (to) => `notifier: ses:SendEmail on ${identity(to)} or ${identity(to.slice(to.indexOf('@') + 1))}`,
      ),
    );
    // Out of the sandbox the sender identity is all SES checks.
    expect(labels(missingFromPolicy(needs(), { ...outOfSandbox, statements }))).toEqual([]);
  });
});
