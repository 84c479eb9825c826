import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type IndexDefinition,
  physicalTableName,
  TABLE_LIST,
  type TableDefinition,
} from '../lambdas/platform/tables.js';

const projectionOf = (index: IndexDefinition) =>
  index.projection === 'keys-only' ? ('KEYS_ONLY' as const) : ('ALL' as const);

export function createInput(table: TableDefinition, prefix: string): CreateTableCommandInput {
  const attributes = new Set<string>([table.partitionKey, table.sortKey]);
  for (const index of table.indexes) {
    attributes.add(index.partitionKey);
    if (index.sortKey) attributes.add(index.sortKey);
  }
  return {
    TableName: physicalTableName(table, prefix),
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: table.partitionKey, KeyType: 'HASH' },
      { AttributeName: table.sortKey, KeyType: 'RANGE' },
    ],
    ...(table.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: table.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
              ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
            ],
            Projection: { ProjectionType: projectionOf(index) },
          })),
        }
      : {}),
  };
}

/**
 * Adds the indexes a definition has gained since the table was created (a data directory kept
 * from an earlier version), one at a time as DynamoDB requires, waiting until each is active.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  table: TableDefinition,
  prefix: string,
  existing: readonly { IndexName?: string | undefined }[],
): Promise<void> {
  const have = new Set(existing.map((i) => i.IndexName));
  const input = createInput(table, prefix);
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (have.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: input.TableName,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    // DynamoDB Local builds the index in the background; on a busy machine that can take minutes.
    const deadline = Date.now() + INDEX_WAIT_MS;
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
      const status = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === index.IndexName)?.IndexStatus;
      if (status === 'ACTIVE') break;
      if (Date.now() > deadline)
        throw new Error(`index ${index.IndexName} of ${input.TableName} is still ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** How long a start waits for an index added to an existing table to become active. */
const INDEX_WAIT_MS = 180_000;

/** Creates every missing table (and its TTL setting) and missing index from the shared definitions. */
export async function ensureTables(client: DynamoDBClient, prefix = ''): Promise<string[]> {
  const created: string[] = [];
  for (const table of TABLE_LIST) {
    const name = physicalTableName(table, prefix);
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      await addMissingIndexes(client, table, prefix, Table?.GlobalSecondaryIndexes ?? []);
      // A table created before its definition had a TTL (data kept under DATA_DIR) gets it now.
      await enableTtl(client, table, name, true);
      continue;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
    try {
      await client.send(new CreateTableCommand(createInput(table, prefix)));
      created.push(name);
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await enableTtl(client, table, name, false);
  }
  return created;
}

async function enableTtl(
  client: DynamoDBClient,
  table: TableDefinition,
  name: string,
  existing: boolean,
): Promise<void> {
  if (!table.ttlAttribute) return;
  if (existing) {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
    }),
  );
}

/** Environment variables that point each function at its physical table. */
export function tableEnvironment(prefix = ''): Record<string, string> {
  return Object.fromEntries(TABLE_LIST.map((t) => [t.envVar, physicalTableName(t, prefix)]));
}
