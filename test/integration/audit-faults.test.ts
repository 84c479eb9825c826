import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TABLES } from '../../lambdas/platform/tables.js';
import { tableEnvironment } from '../../local/create-tables.js';
import { toProxyEvent } from '../../local/proxy-event.js';

/**
 * A configuration change and its audit entry are one transaction: when the write fails (here the
 * transaction is cancelled by throttling, after the SDK's own retries), the caller gets a 503 with
 * Retry-After and neither the change nor the entry is written on its own.
 */
type Handler = (
  event: APIGatewayProxyEvent,
) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;
const handlers: Record<string, Handler> = {};
const ddb = mockClient(DynamoDBDocumentClient);
const env = tableEnvironment('auditfaults');

function request(
  method: string,
  path: string,
  resource: string,
  body?: unknown,
  params?: Record<string, string>,
) {
  return toProxyEvent({
    method,
    path: `/api/cost-management${path}`,
    resource: `/api/cost-management${resource}`,
    pathParameters: params ?? null,
    query: new URLSearchParams(),
    headers: {},
    body: body === undefined ? null : JSON.stringify(body),
    tenantId: 'tenant-a',
    sourceIp: '127.0.0.1',
    now: new Date(),
  });
}

beforeAll(async () => {
  Object.assign(process.env, env, { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
  for (const fn of ['alerting-api', 'privacy-api', 'pricing-api', 'control-api']) {
    handlers[fn] = (
      (await import(`../../lambdas/functions/${fn}-handler.ts`)) as { handler: Handler }
    ).handler;
  }
});
afterEach(() => ddb.reset());
beforeEach(() => {
  // Reads find nothing (no settings, no contacts, no prices, no control config).
  ddb.on(GetCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(BatchGetCommand).resolves({ Responses: {} });
  ddb.on(TransactWriteCommand).rejects(
    new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
    }),
  );
});

const auditTable = env[TABLES.dataProtection.envVar] as string;

describe('a change whose audit entry cannot be written', () => {
  it.each([
    ['alerting-api', 'POST', '/thresholds', '/thresholds', { userId: 'alice', limitUsd: 10 }, undefined],
    [
      'alerting-api',
      'PUT',
      '/alerting/alice',
      '/alerting/{userId}',
      { email: 'owner@example.com' },
      { userId: 'alice' },
    ],
    ['privacy-api', 'PUT', '/settings', '/settings', { retention: { usageDays: 90 } }, undefined],
    [
      'pricing-api',
      'PUT',
      '/prices/acme.model-v1',
      '/prices/{modelId}',
      { effectiveFrom: '2026-01-01', inputPerMTokUsd: 1, outputPerMTokUsd: 1 },
      { modelId: 'acme.model-v1' },
    ],
    [
      'control-api',
      'POST',
      '/auto-control/init',
      '/auto-control/init',
      { userId: 'alice', budgetUsd: 10 },
      undefined,
    ],
  ] as const)(
    '%s %s %s: 503, and nothing written outside the one transaction',
    async (fn, method, path, resource, body, params) => {
      const handler = handlers[fn] as Handler;
      const res = await handler(request(method, path, resource, body, params));
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers?.['retry-after']).toBeDefined();
      expect(JSON.parse(res.body).error.code).toBe('UNAVAILABLE');
      // The change was only ever sent together with its audit entry …
      const transactions = ddb.commandCalls(TransactWriteCommand);
      expect(transactions.length).toBeGreaterThan(0);
      for (const call of transactions) {
        const items = call.args[0].input.TransactItems ?? [];
        expect(items.some((i) => i.Put?.TableName === auditTable && i.Put?.ConditionExpression)).toBe(true);
      }
      // … and never on its own.
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
      expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
    },
  );
});
