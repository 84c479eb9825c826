import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PriceSyncRun, PriceSyncRuns } from '../ports/price-sync-runs.js';

/**
 * Price sync runs in the monitoring table (owned by the alerting context for its sweep
 * bookkeeping), under their own key prefix: pk `T#_service#PRICE_SYNC`, sk `RUN#<startedAt>`.
 * Nothing else reads or writes that prefix. Lists longer than {@link MAX_LISTED} are cut (the item
 * stays far below DynamoDB's 400 KB), with the full count kept next to each.
 */
const PK = 'T#_service#PRICE_SYNC';
export const MAX_LISTED = 500;

const LISTS = ['added', 'newModels', 'differing', 'skipped'] as const;

export class DynamoPriceSyncRuns implements PriceSyncRuns {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(run: PriceSyncRun): Promise<void> {
    const item: Record<string, unknown> = { pk: PK, sk: `RUN#${run.startedAt}`, ...run };
    for (const name of LISTS) {
      item[`${name}Count`] = run[name].length;
      item[name] = run[name].slice(0, MAX_LISTED);
    }
    await this.client.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  async recent(limit: number): Promise<PriceSyncRun[]> {
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': PK, ':run': 'RUN#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (res.Items ?? []).map((item) => {
      const { pk: _pk, sk: _sk, ...run } = item;
      return run as PriceSyncRun;
    });
  }
}
