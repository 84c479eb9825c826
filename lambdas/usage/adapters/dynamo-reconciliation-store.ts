import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../../platform/dynamo-query.js';
import type { ReconciliationStore, StoredReconciliationRow } from '../ports/reconciliation.js';

/**
 * Reconciliation rows in the monitoring table (owned by the alerting context for its sweep
 * bookkeeping), under their own key prefix: pk `T#<tenant>#RECON`, sk `D#<day>#<region>#<model>`.
 * Nothing else reads or writes that prefix.
 */
const pkOf = (tenantId: string) => `T#${tenantId}#RECON`;
const UNMAPPED = '_unmapped';

export class DynamoReconciliationStore implements ReconciliationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(tenantId: string, rows: readonly StoredReconciliationRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += 25) {
      let requests: Record<string, unknown>[] = rows.slice(start, start + 25).map((row) => ({
        PutRequest: {
          Item: {
            pk: pkOf(tenantId),
            sk: `D#${row.date}#${row.region}#${row.modelId ?? UNMAPPED}`,
            ...row,
          },
        },
      }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error('reconciliation rows could not be written');
        const result = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: requests as never } }),
        );
        requests = (result.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
      }
    }
  }

  async list(tenantId: string, from: string, to: string): Promise<StoredReconciliationRow[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': pkOf(tenantId), ':from': `D#${from}`, ':to': `D#${to}#\uffff` },
    });
    return items.map((item) => ({
      date: String(item.date),
      region: String(item.region),
      modelId: item.modelId === null || item.modelId === undefined ? null : String(item.modelId),
      trackedNano: Number(item.trackedNano),
      billedNano: Number(item.billedNano),
      gapNano: Number(item.gapNano),
      gapPercent: Number(item.gapPercent),
      usageTypes: (item.usageTypes as string[] | undefined) ?? [],
      runAt: String(item.runAt),
    }));
  }
}
