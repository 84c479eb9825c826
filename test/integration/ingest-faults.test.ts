import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/platform/dynamo-client.js';
import { DynamoUsageStore } from '../../lambdas/usage/adapters/dynamo-usage-store.js';
import type { UsageRecord } from '../../lambdas/usage/ports/usage-store.js';
import { trackUsageBatch } from '../../lambdas/usage/use-cases/track-usage.js';
import { tableEnvironment } from '../../local/create-tables.js';
import { toProxyEvent } from '../../local/proxy-event.js';

type Handler = (
  event: APIGatewayProxyEvent,
) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;
let handler: Handler;
const ddb = mockClient(DynamoDBDocumentClient);

function request(body: unknown): APIGatewayProxyEvent {
  return toProxyEvent({
    method: 'POST',
    path: '/api/cost-management/track-usage',
    resource: '/api/cost-management/track-usage',
    pathParameters: null,
    query: new URLSearchParams(),
    headers: {},
    body: JSON.stringify(body),
    tenantId: 'tenant-a',
    sourceIp: '127.0.0.1',
    now: new Date(),
  });
}

const event = {
  requestId: 'fault-1',
  userId: 'alice',
  modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  inputTokens: 1000,
  outputTokens: 500,
};

beforeAll(async () => {
  Object.assign(process.env, tableEnvironment('faults'), { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
  ({ handler } = (await import('../../lambdas/functions/usage-api-handler.js')) as unknown as {
    handler: Handler;
  });
});
afterEach(() => ddb.reset());
// Reads before the write (the tenant's price versions, the user's thresholds, its settings) find nothing.
beforeEach(() => {
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(GetCommand).resolves({});
});

describe('ingest when DynamoDB fails', () => {
  it('answers 503 with Retry-After when DynamoDB throttles, after one atomic attempt per try', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    ddb.on(TransactWriteCommand).rejects(throttled);
    const res = await handler(request(event));
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(res.body).error.code).toBe('UNAVAILABLE');
    // Everything of the event goes in one transaction: there is no partial write to leave behind.
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const items = calls[0]?.args[0].input.TransactItems ?? [];
    // The record (its own idempotency marker), then the day and month totals.
    expect(items.filter((i) => i.Put)).toHaveLength(1);
    expect(items.filter((i) => i.Update).length).toBeGreaterThanOrEqual(2);
  });

  it('retries transaction conflicts and gives up with 503 when they persist', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'TransactionConflict' }],
      }),
    );
    const res = await handler(request({ ...event, requestId: 'fault-2' }));
    expect(res.statusCode).toBe(503);
    expect(ddb.commandCalls(TransactWriteCommand).length).toBeGreaterThan(3);
  });

  it('recovers when a conflict clears on retry', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: [{ Code: 'TransactionConflict' }],
        }),
      )
      .resolves({});
    const res = await handler(request({ ...event, requestId: 'fault-3' }));
    expect(res.statusCode).toBe(201);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('answers 503 when the idempotency marker cannot be read back', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      }),
    );
    ddb.on(GetCommand).resolves({});
    const res = await handler(request({ ...event, requestId: 'fault-4' }));
    expect(res.statusCode).toBe(503);
  });

  it('never leaks internals on an unexpected error', async () => {
    ddb.on(TransactWriteCommand).rejects(new Error('secret internal detail'));
    const res = await handler(request({ ...event, requestId: 'fault-5' }));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    expect(JSON.parse(res.body).error.code).toBe('INTERNAL');
  });
});

describe('a batch that needs several transactions', () => {
  it('still reacts to the events a first transaction recorded when a later one fails', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    ddb.on(TransactWriteCommand).resolvesOnce({}).rejects(throttled);
    const reacted: UsageRecord[] = [];
    const deps = {
      store: new DynamoUsageStore(createDocumentClient({ region: 'us-east-1' }), {
        usageTable: 'usage',
        analyticsTable: 'analytics',
      }),
      reactors: [async (_tenant: string, recorded: UsageRecord[]) => void reacted.push(...recorded)],
    };
    // 40 users: their records and aggregates (3 items each) do not fit one transaction of 100 items.
    const events = Array.from({ length: 40 }, (_, i) => ({
      ...event,
      requestId: `split-${i}`,
      userId: `u${i}`,
    }));
    await expect(trackUsageBatch(deps, 'tenant-a', events, new Date())).rejects.toBe(throttled);
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    // Exactly the events of the transaction that went through were reacted to.
    const firstRecords = (calls[0]?.args[0].input.TransactItems ?? []).filter((i) => i.Put !== undefined);
    expect(reacted.map((r) => r.requestId)).toEqual(firstRecords.map((i) => i.Put?.Item?.requestId));
    expect(reacted.length).toBeGreaterThan(0);
    expect(reacted.length).toBeLessThan(40);
  });
});
