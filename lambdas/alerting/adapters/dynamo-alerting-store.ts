import { BatchGetCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Item } from '../../platform/dynamo-query.js';
import { UnavailableError } from '../../platform/errors.js';

/** Reads the cost of aggregate items in batches of 100 (BatchGetItem), missing items as 0; throws when keys stay unprocessed. */
export class DynamoSpendReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async costs(keys: readonly { pk: string; sk: string }[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const unique = [...new Map(keys.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Item[] | undefined = unique.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
      for (let attempt = 0; pending && pending.length > 0 && attempt < 8; attempt++) {
        const res = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: pending,
                ProjectionExpression: 'pk, sk, costNano',
                ConsistentRead: true,
              },
            },
          }),
        );
        for (const item of res.Responses?.[this.table] ?? []) {
          out.set(`${item.pk}|${item.sk}`, Number(item.costNano ?? 0));
        }
        pending = res.UnprocessedKeys?.[this.table]?.Keys as Item[] | undefined;
        if (pending && pending.length > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
      // An unread total is not a zero spend: callers would resolve breaches on it.
      if (pending && pending.length > 0) {
        throw new UnavailableError(`${pending.length} period totals not read after retries`);
      }
    }
    return out;
  }
}

/**
 * Creates a period aggregate from a backfilled sum unless the item exists (another threshold of the
 * same zone and period has been feeding it).
 */
export class DynamoPeriodBackfillWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** False when the item existed. */
  async addOnce(
    key: { pk: string; sk: string },
    sum: { costNano: number; requests: number },
    attributes: Record<string, string>,
    at: string,
  ): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':cost': sum.costNano, ':requests': sum.requests, ':at': at };
    const sets = ['backfilledAt = :at'];
    for (const [i, [name, value]] of Object.entries(attributes).entries()) {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      sets.push(`#a${i} = :a${i}`);
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: `ADD costNano :cost, requests :requests SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(pk)',
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
