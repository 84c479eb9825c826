import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Sweep bookkeeping in the monitoring table: one item per run, and the last run (a worker's run
 * per shard: `RUN#<start>#S<shard>` and `LAST#S<shard>`; a whole sweep in one process: `RUN#<start>`
 * and `LAST`). A continuation's run has its own start.
 */
export class DynamoSweepLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(summary: { startedAt: string; shard?: number }): Promise<void> {
    const pk = 'T#_system#SWEEP';
    const of = summary.shard === undefined ? '' : `#S${summary.shard}`;
    await Promise.all([
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk, sk: `RUN#${summary.startedAt}${of}`, ...summary },
        }),
      ),
      this.client.send(new PutCommand({ TableName: this.table, Item: { pk, sk: `LAST${of}`, ...summary } })),
    ]);
  }
}
