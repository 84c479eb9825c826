import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tableEnvironment } from '../../local/create-tables.js';
import { toProxyEvent } from '../../local/proxy-event.js';

type Handler = (
  event: APIGatewayProxyEvent,
) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;
let handler: Handler;
const ddb = mockClient(DynamoDBDocumentClient);

const request = (userId: string): APIGatewayProxyEvent =>
  toProxyEvent({
    method: 'DELETE',
    path: `/api/cost-management/users/${userId}`,
    resource: '/api/cost-management/users/{userId}',
    pathParameters: { userId },
    query: new URLSearchParams(),
    headers: {},
    body: null,
    tenantId: 'tenant-a',
    sourceIp: '127.0.0.1',
    now: new Date(),
  });

beforeAll(async () => {
  Object.assign(process.env, tableEnvironment('faults'), { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
  delete process.env.EVENT_BUS_NAME;
  ({ handler } = (await import('../../lambdas/functions/privacy-api-handler.js')) as unknown as {
    handler: Handler;
  });
});
afterEach(() => ddb.reset());
// No erasure of the user yet, and no settings of the tenant (default retention).
beforeEach(() => {
  ddb.on(GetCommand).resolves({});
});

describe('an erasure request when a dependency fails', () => {
  it('answers 503 with Retry-After when DynamoDB throttles, after one all-or-nothing write', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const res = await handler(request('alice'));
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(res.body).error.code).toBe('UNAVAILABLE');
    // The job, the user's marker, the open-list entry and the audit entry go in one transaction:
    // there is no partial write to leave behind.
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const puts = (calls[0]?.args[0].input.TransactItems ?? []).map((i) => i.Put?.Item);
    expect(puts).toHaveLength(4);
    expect(puts.map((item) => String(item?.sk).split('#')[0])).toEqual(['E', 'EU', 'E', expect.any(String)]);
    expect(puts[3]).toMatchObject({ action: 'user.erase', target: puts[0]?.erasureId });
    // Only the job names the user; the audit entry and the marker do not.
    expect(puts.filter((item) => JSON.stringify(item).includes('alice'))).toEqual([puts[0]]);
  });

  it('answers 202 with a pending job when the event bus cannot take the start event (the sweep starts it)', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const res = await handler(request('bob'));
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ userId: 'bob', status: 'pending', completedAt: null });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
