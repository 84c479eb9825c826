import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

/** Attribute every table's TTL reads: epoch seconds after which DynamoDB deletes the item. */
export const EXPIRES_AT = 'expiresAt';

/** Updates in flight at once while a page of expiries is rewritten. */
const CONCURRENCY = 8;

/** One item's expiry as stored and as it should be. */
export interface ExpiryChange {
  key: { pk: string; sk: string };
  current: unknown;
  target: number;
}

/**
 * Sets `expiresAt` to its target on each item whose stored value differs; returns how many changed.
 * Each update is conditioned on the item still existing, so an item deleted meanwhile (by TTL, by
 * an erasure) is never brought back as a stub.
 */
export async function rewriteExpiries(
  client: DynamoDBDocumentClient,
  table: string,
  changes: readonly ExpiryChange[],
): Promise<number> {
  const due = changes.filter((c) => c.current !== c.target);
  let rewritten = 0;
  for (let i = 0; i < due.length; i += CONCURRENCY) {
    const outcomes = await Promise.all(
      due.slice(i, i + CONCURRENCY).map(async ({ key, target }) => {
        try {
          await client.send(
            new UpdateCommand({
              TableName: table,
              Key: key,
              UpdateExpression: 'SET #e = :e',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#e': EXPIRES_AT },
              ExpressionAttributeValues: { ':e': target },
            }),
          );
          return 1;
        } catch (error) {
          if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return 0;
          throw error;
        }
      }),
    );
    rewritten += outcomes.reduce<number>((sum, n) => sum + n, 0);
  }
  return rewritten;
}

/** Number of items a rewrite reads per page. */
export const EXPIRY_PAGE_SIZE = 200;

/** What one page of an expiry rewrite read in, and where the next page starts. */
export interface ExpiryPage {
  /** Items whose expiry was computed (items `targetOf` skipped are not counted). */
  examined: number;
  rewritten: number;
  next?: Record<string, unknown>;
}

/**
 * One page of a retention job's rewrite: reads up to {@link EXPIRY_PAGE_SIZE} items from `after`
 * (a consistent Query, or a Scan where the table has no tenant-wide key), computes each item's
 * expiry with `targetOf` (undefined: leave the item alone), and rewrites those that differ.
 */
export async function rewriteExpiryPage(
  client: DynamoDBDocumentClient,
  table: string,
  read: {
    scan?: boolean;
    input: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead' | 'Limit' | 'ExclusiveStartKey'>;
  },
  after: Record<string, unknown> | undefined,
  targetOf: (item: Record<string, unknown>) => number | undefined,
): Promise<ExpiryPage> {
  const input = {
    ...read.input,
    TableName: table,
    ConsistentRead: true,
    Limit: EXPIRY_PAGE_SIZE,
    ...(after ? { ExclusiveStartKey: after } : {}),
  };
  const res = read.scan
    ? await client.send(new ScanCommand(input))
    : await client.send(new QueryCommand(input));
  const changes: ExpiryChange[] = [];
  for (const item of res.Items ?? []) {
    const target = targetOf(item);
    if (target !== undefined)
      changes.push({ key: { pk: String(item.pk), sk: String(item.sk) }, current: item[EXPIRES_AT], target });
  }
  const rewritten = await rewriteExpiries(client, table, changes);
  return {
    examined: changes.length,
    rewritten,
    ...(res.LastEvaluatedKey ? { next: res.LastEvaluatedKey } : {}),
  };
}
