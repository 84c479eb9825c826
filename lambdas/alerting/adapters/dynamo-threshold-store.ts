import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../../platform/dynamo-query.js';
import { tenantPk, userPk } from '../../platform/keys.js';
import type { AuditWrite } from '../../privacy/ports/audit-log.js';
import type { Threshold, ThresholdStore } from '../ports/alerting-store.js';
import { SWEEP_SHARDS, shardOf, strip, tenantOfPk } from './item-keys.js';

/** Thresholds: pk `T#tenant`, sk `TH#id`; gsi1 by user; gsi2 (sparse) shard index of enabled ones. */
export class DynamoThresholdStore implements ThresholdStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    readonly shards = SWEEP_SHARDS,
  ) {}

  /** The stored item of a threshold: its keys, the user index, and the sweep index while enabled. */
  itemOf(tenantId: string, threshold: Threshold): Record<string, unknown> {
    const sweep = threshold.enabled
      ? {
          gsi2pk: `THS#${shardOf(threshold.thresholdId, this.shards)}`,
          gsi2sk: `${tenantPk(tenantId)}#TH#${threshold.thresholdId}`,
        }
      : {};
    return {
      pk: tenantPk(tenantId),
      sk: `TH#${threshold.thresholdId}`,
      gsi1pk: userPk(tenantId, threshold.userId),
      gsi1sk: `TH#${threshold.createdAt}#${threshold.thresholdId}`,
      ...sweep,
      ...threshold,
    };
  }

  async put(tenantId: string, threshold: Threshold, audit?: AuditWrite): Promise<void> {
    const put = { TableName: this.table, Item: this.itemOf(tenantId, threshold) };
    if (!audit) {
      await this.client.send(new PutCommand(put));
      return;
    }
    // The threshold and the audit entry of its change: both or neither.
    await this.client.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, { Put: audit.put }] }));
  }

  async get(tenantId: string, thresholdId: string): Promise<Threshold | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: `TH#${thresholdId}` },
        ConsistentRead: true,
      }),
    );
    return res.Item ? (strip(res.Item) as unknown as Threshold) : undefined;
  }

  async listByUser(tenantId: string, userId: string): Promise<Threshold[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :th)',
      ExpressionAttributeValues: { ':pk': userPk(tenantId, userId), ':th': 'TH#' },
    });
    return items.map((i) => strip(i) as unknown as Threshold);
  }

  async completePeriodTotals(
    tenantId: string,
    thresholdId: string,
    backfillBefore: string,
    at: string,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: tenantPk(tenantId), sk: `TH#${thresholdId}` },
          UpdateExpression: 'SET periodTotals = :complete, periodTotalsCompletedAt = :at',
          ConditionExpression: 'backfillBefore = :before AND periodTotals = :pending',
          ExpressionAttributeValues: {
            ':complete': 'complete',
            ':pending': 'pending',
            ':before': backfillBefore,
            ':at': at,
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async delete(
    tenantId: string,
    thresholdId: string,
    audited?: { current: Threshold; audit: AuditWrite },
  ): Promise<Threshold | undefined> {
    const key = { pk: tenantPk(tenantId), sk: `TH#${thresholdId}` };
    if (!audited) {
      const res = await this.client.send(
        new DeleteCommand({ TableName: this.table, Key: key, ReturnValues: 'ALL_OLD' }),
      );
      return res.Attributes ? (strip(res.Attributes) as unknown as Threshold) : undefined;
    }
    try {
      // Deletes exactly the version the audit entry shows, in one transaction with the entry.
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: key,
                ConditionExpression: 'attribute_exists(pk) AND updatedAt = :seen',
                ExpressionAttributeValues: { ':seen': audited.current.updatedAt },
              },
            },
            { Put: audited.audit.put },
          ],
        }),
      );
      return audited.current;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return undefined;
      }
      throw error;
    }
  }

  async listEnabled(shard: number): Promise<{ tenantId: string; threshold: Threshold }[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `THS#${shard}` },
    });
    return items.map((i) => ({
      tenantId: tenantOfPk(String(i.pk)),
      threshold: strip(i) as unknown as Threshold,
    }));
  }
}
