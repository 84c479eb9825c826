import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalTableName, TABLES } from '../../lambdas/platform/tables.js';
import { ensureTables } from '../../local/create-tables.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';

// A DynamoDB Local of its own: adding an index to a table makes DynamoDB Local build it in the
// background, which on the database every other test file shares can take minutes.
let database: DynamoDbLocal;
let client: DynamoDBClient;
beforeAll(async () => {
  database = await startDynamoDbLocal();
  client = new DynamoDBClient({
    endpoint: database.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 120_000);
afterAll(async () => {
  client?.destroy();
  await database?.stop();
});

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
