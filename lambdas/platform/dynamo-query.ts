import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

/** Runs a query to its end, page by page. */
export async function queryAll(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const res = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((res.Items ?? []) as Item[]));
    start = res.LastEvaluatedKey as Item | undefined;
  } while (start);
  return items;
}
