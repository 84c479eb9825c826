import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/platform/dynamo-client.js';
import { TABLES, type TableKey } from '../../lambdas/platform/tables.js';
import { ensureTables } from '../../local/create-tables.js';

/** Creates every table of the service under `prefix` on the DynamoDB Local at `endpoint`. */
export async function createTablesAt(endpoint: string, prefix: string): Promise<void> {
  const admin = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureTables(admin, prefix);
  } finally {
    admin.destroy();
  }
}

/** Direct reads of the tables a runtime uses (the env holds their physical names). */
export function tables() {
  const client = createDocumentClient();
  const name = (key: TableKey) => process.env[TABLES[key].envVar] as string;
  return {
    client,
    name,
    async get(key: TableKey, pk: string, sk: string) {
      const res = await client.send(
        new GetCommand({ TableName: name(key), Key: { pk, sk }, ConsistentRead: true }),
      );
      return res.Item;
    },
    async query(key: TableKey, pk: string) {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const res = await client.send(
          new QueryCommand({
            TableName: name(key),
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        );
        items.push(...(res.Items ?? []));
        start = res.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async count(key: TableKey) {
      let total = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const res = await client.send(
          new ScanCommand({ TableName: name(key), Select: 'COUNT', ExclusiveStartKey: start }),
        );
        total += res.Count ?? 0;
        start = res.LastEvaluatedKey;
      } while (start);
      return total;
    },
  };
}
