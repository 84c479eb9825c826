import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { NanoUsd } from '@cost-management/core';
import type { TrackedCostReader } from '../ports/reconciliation.js';

/**
 * Daily cost per model of every user of a tenant, from the day items of the aggregates
 * (`M#<modelId>#c` counters). The aggregates are kept per user, so this scans the table with a
 * filter: fit for a daily batch run, not for a request path. A tenant-wide day item would make it
 * a query.
 */
export class DynamoTrackedCosts implements TrackedCostReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async dailyModelCosts(tenantId: string, from: string, to: string) {
    const sums = new Map<string, { date: string; modelId: string; nano: NanoUsd }>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(pk, :pk) AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': `T#${tenantId}#U#`, ':from': `D#${from}`, ':to': `D#${to}` },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const date = String(item.sk).slice(2);
        for (const [attribute, value] of Object.entries(item)) {
          if (!attribute.startsWith('M#') || !attribute.endsWith('#c')) continue;
          const modelId = attribute.slice(2, -2);
          const key = `${date} ${modelId}`;
          const entry = sums.get(key) ?? { date, modelId, nano: 0 };
          entry.nano += Number(value ?? 0);
          sums.set(key, entry);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return [...sums.values()];
  }
}
