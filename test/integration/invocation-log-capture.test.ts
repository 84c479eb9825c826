import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { addNano, toUsd } from '@cost-management/core';
import type { APIGatewayProxyEvent, CloudWatchLogsEvent, S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { CaptureSummary } from '../../lambdas/usage/use-cases/capture-invocation-logs.js';
import { tableEnvironment } from '../../local/create-tables.js';
import { toProxyEvent } from '../../local/proxy-event.js';
import { createTablesAt } from '../support/dynamo.js';
import { captureEmf } from '../support/emf.js';
import {
  ACCOUNT,
  CALLS,
  FAILED,
  invocationLogFixture,
  MAPPED_ROLE,
  REDELIVERED,
  TRACKED,
  UNKNOWN_SCHEMA,
  USERS,
} from '../support/invocation-log-fixture.js';

/**
 * The deployed capture function, run against DynamoDB Local with the events Lambda receives: the
 * CloudWatch Logs subscription payload (base64 of gzipped JSON under `awslogs.data`) and S3
 * notifications, whose objects are read through the S3 client (mocked here). Tenants come from
 * `CAPTURE_TENANTS`, as the deployment sets it.
 */

type Handler<E, R> = (event: E) => Promise<R>;
type ApiResult = { statusCode: number; body: string };

const OTHER_ACCOUNT = '210987654321';
const TEAM_B_ROLE = `arn:aws:iam::${ACCOUNT}:role/team-b-service`;
const LOG_GROUP = '/aws/bedrock/modelinvocations';
const BUCKET = 'acme-bedrock-logs';
const base = Date.now() - 3600_000;
const fixture = invocationLogFixture(base);
const s3 = mockClient(S3Client);
const emf: Record<string, unknown>[] = [];

let capture: Handler<CloudWatchLogsEvent | S3Event | Record<string, unknown>, CaptureSummary>;
let usageApi: Handler<APIGatewayProxyEvent, ApiResult>;

/** A CloudWatch Logs subscription invocation carrying these records as log events. */
function subscriptionEvent(
  records: unknown[],
  options: { owner?: string; messages?: string[] } = {},
): CloudWatchLogsEvent {
  const messages = options.messages ?? records.map((r) => JSON.stringify(r));
  const payload = {
    messageType: 'DATA_MESSAGE',
    owner: options.owner ?? ACCOUNT,
    logGroup: LOG_GROUP,
    logStream: 'aws/bedrock/modelinvocations',
    subscriptionFilters: ['cost-management-test-invocation-logs'],
    logEvents: messages.map((message, i) => ({
      id: `3795846373873528917290271520817628730493940586604${String(5440 + i).padStart(5, '0')}`,
      timestamp: base + i,
      message,
    })),
  };
  return { awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } };
}

/** The S3 notification of one new object (as S3 sends it: the key URL-encoded). */
function s3Event(key: string, eventName = 'ObjectCreated:Put'): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date(base).toISOString(),
        eventName,
        userIdentity: { principalId: 'AWS:AROAEXAMPLEID:BedrockLogDelivery' },
        requestParameters: { sourceIPAddress: '10.0.0.1' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'cost-management-invocation-logs',
          bucket: {
            name: BUCKET,
            ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
            arn: `arn:aws:s3:::${BUCKET}`,
          },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size: 1024,
            eTag: 'd41d8cd98f00b204e9800998ecf8427e',
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  };
}

const deliveryKey = (name: string, account = ACCOUNT) =>
  `bedrock/AWSLogs/${account}/BedrockModelInvocationLogs/us-east-1/2026/11/23/10/${name}.json.gz`;

/** Puts an object into the mocked bucket. */
function putObject(key: string, bytes: Uint8Array) {
  s3.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).resolves({
    ContentLength: bytes.length,
    Body: { transformToByteArray: async () => bytes } as never,
  });
}

const jsonLines = (records: unknown[]) => gzipSync(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`);

function api(method: string, path: string, resource: string, tenantId: string, body?: unknown) {
  const [pathOnly, search = ''] = path.split('?');
  const userId = /\/analytics\/([^/]+)$/.exec(pathOnly as string)?.[1];
  return usageApi(
    toProxyEvent({
      method,
      path: `/api/cost-management${pathOnly}`,
      resource: `/api/cost-management${resource}`,
      pathParameters: userId ? { userId } : null,
      query: new URLSearchParams(search),
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      tenantId,
      sourceIp: '127.0.0.1',
      now: new Date(),
    }),
  );
}

const from = new Date(base - 2 * 86_400_000).toISOString().slice(0, 10);
const to = new Date().toISOString().slice(0, 10);
async function analytics(tenantId: string, userId: string) {
  const res = await api('GET', `/analytics/${userId}?from=${from}&to=${to}`, '/analytics/{userId}', tenantId);
  expect(res.statusCode, res.body).toBe(200);
  return (JSON.parse(res.body) as { totals: { requests: number; costUsd: number; inputTokens: number } })
    .totals;
}

function sum(summaries: CaptureSummary[]) {
  const bad: Record<string, number> = {};
  for (const s of summaries) for (const b of s.bad) bad[b.reason] = (bad[b.reason] ?? 0) + 1;
  const skipped: Record<string, number> = {};
  for (const s of summaries)
    for (const [reason, n] of Object.entries(s.skipped)) skipped[reason] = (skipped[reason] ?? 0) + n;
  return {
    records: summaries.reduce((t, s) => t + s.records, 0),
    recorded: summaries.reduce((t, s) => t + s.recorded, 0),
    duplicates: summaries.reduce((t, s) => t + s.duplicates, 0),
    unattributed: summaries.reduce((t, s) => t + s.unattributed, 0),
    skipped,
    bad,
  };
}

beforeAll(async () => {
  const prefix = `cap${randomBytes(4).toString('hex')}`;
  const endpoint = inject('dynamodbEndpoint');
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...tableEnvironment(prefix),
    CAPTURE_TENANTS: JSON.stringify({ [ACCOUNT]: 'tenant-a', [TEAM_B_ROLE]: 'tenant-b' }),
    INVOCATION_LOG_IDENTITY_MAP: JSON.stringify({ [MAPPED_ROLE]: 'batch-owner' }),
    // The capture's metrics are read from what Powertools writes (EMF on stdout).
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'CostManagement',
  });
  captureEmf(emf);
  await createTablesAt(endpoint, prefix);
  ({ handler: capture } = (await import('../../lambdas/functions/invocation-logs-handler.js')) as never);
  ({ handler: usageApi } = (await import('../../lambdas/functions/usage-api-handler.js')) as never);
}, 120_000);
afterAll(() => {
  vi.restoreAllMocks();
  s3.restore();
});

describe('capturing the 1,000-record fixture as Bedrock delivers it', () => {
  it('through the CloudWatch Logs subscription adds exactly the 800 calls nobody reported, to the nano-dollar', async () => {
    // The client wrapper reported 200 of the calls through the API first.
    for (const events of fixture.reportedBatches()) {
      const res = await api('POST', '/track-usage/batch', '/track-usage/batch', 'tenant-a', { events });
      expect(res.statusCode, res.body).toBe(200);
    }
    // CloudWatch Logs hands the function batches of log events.
    const summaries: CaptureSummary[] = [];
    for (let start = 0; start < fixture.lines.length; start += 100) {
      summaries.push(await capture(subscriptionEvent(fixture.lines.slice(start, start + 100))));
    }
    expect(sum(summaries)).toEqual({
      records: CALLS + REDELIVERED.count + FAILED + UNKNOWN_SCHEMA,
      recorded: CALLS - TRACKED,
      duplicates: TRACKED + REDELIVERED.count,
      unattributed: (CALLS - TRACKED) / 4,
      skipped: { 'failed-invocation': FAILED },
      bad: { 'unsupported-schema-version': UNKNOWN_SCHEMA },
    });
    expect(summaries.every((s) => Object.keys(s.tenants).join() === 'tenant-a')).toBe(true);

    for (const userId of USERS) {
      const mine = fixture.calls.filter((c) => c.userId === userId);
      const totals = await analytics('tenant-a', userId);
      expect(totals.requests, userId).toBe(mine.length);
      expect(totals.inputTokens, userId).toBe(mine.reduce((s, c) => s + c.inputTokens, 0));
      expect(totals.costUsd, userId).toBe(toUsd(addNano(...mine.map(fixture.costOf))));
    }
    expect((await analytics('tenant-b', 'unattributed')).requests).toBe(0);

    // What the function published: recorded, already recorded, not captured.
    const published = emf.filter((line) =>
      ['InvocationLogRecorded', 'InvocationLogDuplicates', 'InvocationLogBadRecords'].some((m) => m in line),
    );
    const total = (name: string) => published.reduce((t, line) => t + Number(line[name] ?? 0), 0);
    expect(total('InvocationLogRecorded')).toBe(CALLS - TRACKED);
    expect(total('InvocationLogDuplicates')).toBe(TRACKED + REDELIVERED.count);
    expect(total('InvocationLogBadRecords')).toBe(UNKNOWN_SCHEMA);
  }, 120_000);

  it('through the S3 delivery of the same records adds nothing more', async () => {
    const key = deliveryKey('20261123T1005Z_6f1f3c2e1b2a4c55');
    putObject(key, jsonLines(fixture.lines));
    const summary = await capture(s3Event(key));
    expect(sum([summary])).toEqual({
      records: fixture.lines.length,
      recorded: 0,
      duplicates: CALLS + REDELIVERED.count,
      unattributed: 0,
      skipped: { 'failed-invocation': FAILED },
      bad: { 'unsupported-schema-version': UNKNOWN_SCHEMA },
    });
    expect(summary.bad[0]?.source).toBe(`s3://${BUCKET}/${key}`);
    const alice = fixture.calls.filter((c) => c.userId === 'alice');
    expect((await analytics('tenant-a', 'alice')).requests).toBe(alice.length);
  }, 60_000);
});

describe('records the capture cannot count', () => {
  const record = (i: number, overrides: Record<string, unknown> = {}) =>
    fixture.recordOf(fixture.callOf(10_000 + i), {
      timestamp: new Date(base - i * 1000).toISOString(),
      ...overrides,
    });

  it('takes the tenant from the mapping of the account or role, never from the record alone', async () => {
    const summary = await capture(
      subscriptionEvent([
        // A role mapped to tenant B, in the mapped account.
        record(1, { identity: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/team-b-service/job-7` } }),
        // An account nobody mapped (its own log group owner says so too).
        record(2, { accountId: OTHER_ACCOUNT }),
        // A record naming tenant B's role but another account than the mapped role's.
        record(3, {
          accountId: OTHER_ACCOUNT,
          identity: { arn: `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/team-b-service/job-7` },
        }),
      ]),
    );
    expect(summary.tenants).toEqual({ 'tenant-b': 1 });
    expect(summary.recorded).toBe(1);
    expect(summary.bad.map((b) => b.reason)).toEqual(['account-mismatch', 'account-mismatch']);
    // Its user comes from requestMetadata, as on every path.
    expect((await analytics('tenant-b', 'bob')).requests).toBe(1);

    const foreign = await capture(
      subscriptionEvent([record(4, { accountId: OTHER_ACCOUNT })], { owner: OTHER_ACCOUNT }),
    );
    expect(foreign.bad).toEqual([
      { source: `cloudwatch:${LOG_GROUP}`, position: 0, reason: 'account-not-mapped' },
    ]);
    expect(foreign.recorded).toBe(0);
  });

  it('records embeddings on input tokens, skips failed and tokenless calls, and never throws on a bad record', async () => {
    const embedding = record(10, {
      modelId: 'amazon.titan-embed-text-v2:0',
      operation: 'InvokeModel',
      input: { inputTokenCount: 42 },
      output: {},
    });
    const summary = await capture(
      subscriptionEvent([], {
        messages: [
          JSON.stringify(embedding),
          JSON.stringify(record(11, { modelId: 'cohere.embed-english-v3', input: {}, output: {} })),
          JSON.stringify(record(12, { errorCode: 'ValidationException', output: undefined })),
          JSON.stringify(record(13, { schemaVersion: '2.0' })),
          JSON.stringify(record(14, { input: { inputTokenCount: -1 } })),
          JSON.stringify({ schemaType: 'SomethingElse' }),
          '{"schemaType": "ModelInvocationLog", truncated',
        ],
      }),
    );
    expect(summary.recorded).toBe(1);
    expect(summary.skipped).toEqual({ 'embedding-without-tokens': 1, 'failed-invocation': 1 });
    expect(
      summary.bad.map((b) => [b.position, b.reason]).sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual([
      [3, 'unsupported-schema-version'],
      [4, 'invalid-token-count'],
      [5, 'unknown-schema-type'],
      [6, 'not-json'],
    ]);
    // Logged and counted by position and reason: nothing of the record's content.
    expect(JSON.stringify(summary.bad)).not.toMatch(/question|truncated|SomethingElse/);
  });

  it('counts an undecodable payload, ignores a control message, and never throws on either', async () => {
    const garbled = await capture({ awslogs: { data: Buffer.from('not gzip at all').toString('base64') } });
    expect(garbled.bad).toEqual([{ source: 'cloudwatch', position: 0, reason: 'unreadable-payload' }]);
    const control = await capture({
      awslogs: {
        data: gzipSync(
          JSON.stringify({
            messageType: 'CONTROL_MESSAGE',
            owner: 'CloudwatchLogs',
            logGroup: '',
            logStream: '',
            subscriptionFilters: [],
            logEvents: [
              {
                id: '',
                timestamp: base,
                message: 'CWL CONTROL MESSAGE: Checking health of destination Lambda.',
              },
            ],
          }),
        ).toString('base64'),
      },
    });
    expect(control).toMatchObject({ records: 0, recorded: 0, bad: [] });
    const unknown = await capture({ detail: 'not a delivery' });
    expect(unknown.bad.map((b) => b.reason)).toEqual(['unknown-event']);
  });

  it('counts objects that are gone, not gzip or not JSON lines; ignores removals', async () => {
    const gone = deliveryKey('gone');
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: gone }).rejects(
      Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }),
    );
    expect((await capture(s3Event(gone))).bad.map((b) => b.reason)).toEqual(['object-gone']);

    const broken = deliveryKey('broken');
    putObject(broken, jsonLines([record(20)]).subarray(0, 12));
    expect((await capture(s3Event(broken))).bad.map((b) => b.reason)).toEqual(['unreadable-object']);

    // A key with a space (S3 announces it as `+`), plain JSON lines with one line that is not JSON.
    const plain = deliveryKey('plain lines');
    putObject(plain, Buffer.from(`not json\n${JSON.stringify(record(22))}\n`));
    const summary = await capture(s3Event(plain));
    expect(summary).toMatchObject({ recorded: 1, records: 1 });
    expect(summary.bad).toEqual([{ source: `s3://${BUCKET}/${plain}`, position: 1, reason: 'not-json' }]);

    // An object of another account than the records say is refused record by record.
    const foreignKey = deliveryKey('foreign', OTHER_ACCOUNT);
    putObject(foreignKey, jsonLines([record(23)]));
    expect((await capture(s3Event(foreignKey))).bad.map((b) => b.reason)).toEqual(['account-mismatch']);

    expect(await capture(s3Event(plain, 'ObjectRemoved:Delete'))).toMatchObject({
      deliveries: 0,
      records: 0,
    });
  });

  it('fails the invocation when S3 refuses the read, so Lambda retries it', async () => {
    const denied = deliveryKey('denied');
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: denied }).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
    );
    await expect(capture(s3Event(denied))).rejects.toThrow('Access Denied');
  });
});
