import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

/** Sweep bookkeeping in the monitoring table: the last run and one item per run. */
export class DynamoSweepLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(summary: { startedAt: string }): Promise<void> {
    const pk = 'T#_system#SWEEP';
    await Promise.all([
      this.client.send(
        new PutCommand({ TableName: this.table, Item: { pk, sk: `RUN#${summary.startedAt}`, ...summary } }),
      ),
      this.client.send(new PutCommand({ TableName: this.table, Item: { pk, sk: 'LAST', ...summary } })),
    ]);
  }
}
