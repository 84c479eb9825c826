import { gzipSync } from 'node:zlib';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableEnvironment } from '../../local/create-tables.js';
import { ACCOUNT, invocationLogFixture } from '../support/invocation-log-fixture.js';

/** The capture when DynamoDB fails: the invocation fails (Lambda retries it), nothing is half-written. */

const ddb = mockClient(DynamoDBDocumentClient);
let capture: (event: CloudWatchLogsEvent) => Promise<unknown>;
const fixture = invocationLogFixture(Date.now() - 60_000);

function subscriptionEvent(records: unknown[]): CloudWatchLogsEvent {
  const payload = {
    messageType: 'DATA_MESSAGE',
    owner: ACCOUNT,
    logGroup: '/aws/bedrock/modelinvocations',
    logStream: 'aws/bedrock/modelinvocations',
    subscriptionFilters: ['cost-management-test-invocation-logs'],
    logEvents: records.map((r, i) => ({ id: String(i), timestamp: Date.now(), message: JSON.stringify(r) })),
  };
  return { awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } };
}

beforeAll(async () => {
  Object.assign(process.env, tableEnvironment('capture-faults'), {
    DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
    CAPTURE_TENANTS: JSON.stringify({ [ACCOUNT]: 'tenant-a' }),
  });
  ({ handler: capture } = (await import('../../lambdas/functions/invocation-logs-handler.js')) as never);
  // Reads before the write (the tenant's price versions, the user's thresholds, the tenant's
  // retention settings) find nothing.
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(GetCommand).resolves({});
});
afterAll(() => ddb.restore());

describe('capture when DynamoDB fails', () => {
  it('fails the invocation on a throttled write, with the events in one atomic transaction, so Lambda retries the delivery', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const records = fixture.calls.slice(500, 503).map((c) => fixture.recordOf(c));
    await expect(capture(subscriptionEvent(records))).rejects.toThrow();
    // The records of the batch and their totals go in one transaction: nothing is half-written.
    for (const call of ddb.commandCalls(TransactWriteCommand)) {
      const items = call.args[0].input.TransactItems ?? [];
      expect(items.filter((i) => i.Put)).toHaveLength(records.length);
    }
    expect(ddb.commandCalls(TransactWriteCommand).length).toBeGreaterThan(0);
  });
});
