import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { NanoUsd, PeriodKind } from '@cost-management/core';
import { dayTotalSk, periodSk, userPk } from '../../platform/keys.js';
import type { PeriodSpendReader } from '../ports/control-store.js';

/** Period totals of the aggregates table, read consistently (UTC day, ISO week, month). */
export class DynamoPeriodSpendReader implements PeriodSpendReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async periodSpend(
    tenantId: string,
    userId: string,
    period: PeriodKind,
    periodKey: string,
  ): Promise<NanoUsd> {
    const sk = period === 'daily' ? dayTotalSk(periodKey) : periodSk(period, 'UTC', periodKey);
    const res = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: userPk(tenantId, userId), sk },
        ProjectionExpression: 'costNano',
        ConsistentRead: true,
      }),
    );
    return Number(res.Item?.costNano ?? 0);
  }
}
