import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/platform/dynamo-client.js';
import { DynamoAggregateReader } from '../../lambdas/usage/adapters/dynamo-read-stores.js';

describe('DynamoAggregateReader', () => {
  it('reads the daily aggregates strongly consistent, inside the caller’s partition', async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb.on(QueryCommand).resolves({ Items: [] });
    const reader = new DynamoAggregateReader(createDocumentClient({ region: 'us-east-1' }), 'analytics');
    await reader.readDays('tenant-a', 'alice', '2026-11-01', '2026-11-30');
    const input = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    // Analytics caches this result under the request count read just before it: an eventually
    // consistent read could cache figures older than that count for the cache's lifetime.
    expect(input?.ConsistentRead).toBe(true);
    expect(input?.ExpressionAttributeValues?.[':pk']).toBe('T#tenant-a#U#alice');
    ddb.restore();
  });
});
