import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { UnavailableError } from './errors.js';
import { backoff } from './retry.js';

/** The base-table key of an item. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** Items a `BatchWriteItem` call takes at most. */
const BATCH_WRITE_ITEMS = 25;
const MAX_BATCH_ATTEMPTS = 8;

/**
 * Deletes items by key, 25 to a `BatchWriteItem` call; keys DynamoDB leaves unprocessed are sent
 * again with backoff. Deleting an absent item is no error, so a repeated call is harmless.
 */
export async function deleteKeys(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly ItemKey[],
): Promise<void> {
  for (let start = 0; start < keys.length; start += BATCH_WRITE_ITEMS) {
    let pending: Record<string, unknown>[] = keys
      .slice(start, start + BATCH_WRITE_ITEMS)
      .map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) {
        throw new UnavailableError(`${pending.length} deletes were not processed after retries`);
      }
      if (attempt > 0) await backoff(attempt, { baseMs: 50, capMs: 2000 });
      const res = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
      pending = (res.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
    }
  }
}

/** Up to `limit` keys of the items of one partition, read consistently. */
export async function partitionKeys(
  client: DynamoDBDocumentClient,
  table: string,
  pk: string,
  limit: number,
): Promise<ItemKey[]> {
  const res = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
      Limit: limit,
    }),
  );
  return (res.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
}

/**
 * Up to `limit` base-table keys of the items under one partition of a global index (eventually
 * consistent: an item written a moment ago may show on the next call, one deleted a moment ago
 * may still show).
 */
export async function indexKeys(
  client: DynamoDBDocumentClient,
  table: string,
  index: { name: string; partitionKey: string },
  value: string,
  limit: number,
): Promise<ItemKey[]> {
  const res = await client.send(
    new QueryCommand({
      TableName: table,
      IndexName: index.name,
      KeyConditionExpression: '#ipk = :value',
      ExpressionAttributeNames: { '#ipk': index.partitionKey },
      ExpressionAttributeValues: { ':value': value },
      ProjectionExpression: 'pk, sk',
      Limit: limit,
    }),
  );
  return (res.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
}
