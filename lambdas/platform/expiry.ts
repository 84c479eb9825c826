import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

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
