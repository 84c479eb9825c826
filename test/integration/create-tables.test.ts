import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { physicalTableName, TABLES } from '../../lambdas/platform/tables.js';
import { ensureTables } from '../../local/create-tables.js';

const client = new DynamoDBClient({
  endpoint: inject('dynamodbEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
afterAll(() => client.destroy());

describe('local tables', () => {
  it('gain the indexes their definition added since a data directory was created', async () => {
    const prefix = `ct${randomBytes(4).toString('hex')}`;
    const name = physicalTableName(TABLES.tokenAnalytics, prefix);
    // The analytics table as an earlier version created it: no index.
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    const created = await ensureTables(client, prefix);
    expect(created).not.toContain(name);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(
      Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType, i.IndexStatus]),
    ).toEqual([['gsi1', 'KEYS_ONLY', 'ACTIVE']]);
    // A second start changes nothing.
    expect(await ensureTables(client, prefix)).toEqual([]);
    // Creates the other twelve tables of the prefix, twice checks all thirteen: slow on a busy machine.
  }, 300_000);
});
