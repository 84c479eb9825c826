import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { deleteKeys, type ItemKey, indexKeys } from '../../platform/dynamo-erase.js';
import type { Item } from '../../platform/dynamo-query.js';
import { UnavailableError } from '../../platform/errors.js';
import { userPk } from '../../platform/keys.js';
import { backoff } from '../../platform/retry.js';
import type { UsageRecord } from '../ports/usage-store.js';
import type { UsageDataEraser } from '../ports/user-data-eraser.js';
import { type DynamoAggregateStore, incrementUpdate, unpricedIncrement } from './dynamo-aggregate-store.js';
import type { DynamoExpiringStore } from './dynamo-read-stores.js';
import { USER_RECORDS_INDEX } from './dynamo-usage-records.js';

/** Raw records deleted per call. */
const RECORD_BATCH = 100;
const MAX_CONFLICT_RETRIES = 8;

export interface DynamoUsageDataEraserStores {
  client: DynamoDBDocumentClient;
  usageTable: string;
  analyticsTable: string;
  aggregates: DynamoAggregateStore;
  cache: DynamoExpiringStore;
  patterns: DynamoExpiringStore;
}

/**
 * A user's data in the usage context's tables: raw records through the user index of the
 * token_usage table, aggregates through the aggregate store (the one owner of their layout),
 * cached analytics and usage patterns through their expiring stores.
 */
export class DynamoUsageDataEraser implements UsageDataEraser {
  constructor(private readonly stores: DynamoUsageDataEraserStores) {}

  async holdsRecords(tenantId: string, userId: string): Promise<boolean> {
    const { client, usageTable } = this.stores;
    const keys = await indexKeys(client, usageTable, recordsIndex, userPk(tenantId, userId), 1);
    return keys.length > 0;
  }

  async eraseRecords(tenantId: string, userId: string): Promise<number> {
    const { client, usageTable } = this.stores;
    const res = await client.send(
      new QueryCommand({
        TableName: usageTable,
        IndexName: USER_RECORDS_INDEX,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': userPk(tenantId, userId) },
        Limit: RECORD_BATCH,
      }),
    );
    const items = (res.Items ?? []) as Item[];
    const priced: ItemKey[] = [];
    for (const item of items) {
      const key = { pk: String(item.pk), sk: String(item.sk) };
      if (item.priced === false) {
        if (!(await this.eraseUnpriced(tenantId, key, item as unknown as UsageRecord))) priced.push(key);
      } else {
        priced.push(key);
      }
    }
    await deleteKeys(client, usageTable, priced);
    return items.length;
  }

  /**
   * Deletes a record still waiting for a price and takes it out of the tenant's unpriced summary in
   * one transaction, on condition that it is still unpriced (repricing decrements the summary under
   * the same condition, so only one of them does). False when it was priced meanwhile or is gone.
   */
  private async eraseUnpriced(tenantId: string, key: ItemKey, record: UsageRecord): Promise<boolean> {
    const { client, usageTable, analyticsTable } = this.stores;
    for (let attempt = 0; ; attempt++) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: usageTable,
                  Key: key,
                  ConditionExpression: 'priced = :unpriced',
                  ExpressionAttributeValues: { ':unpriced': false },
                },
              },
              { Update: incrementUpdate(analyticsTable, unpricedIncrement(tenantId, record, -1)) },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
        const retryable = reasons.some(
          (r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError',
        );
        if (!retryable || attempt >= MAX_CONFLICT_RETRIES) throw retryable ? new UnavailableError() : error;
        await backoff(attempt + 1, { baseMs: 30, capMs: 1000 });
      }
    }
  }

  holdsAggregates(tenantId: string, userId: string): Promise<boolean> {
    return this.stores.aggregates.holdsUser(tenantId, userId);
  }

  moveAggregates(tenantId: string, userId: string, pseudonym: string): Promise<number> {
    return this.stores.aggregates.moveUser(tenantId, userId, pseudonym);
  }

  async holdsDerived(tenantId: string, userId: string): Promise<boolean> {
    const [cached, pattern] = await Promise.all([
      this.stores.cache.holdsUser(tenantId, userId),
      this.stores.patterns.holdsUser(tenantId, userId),
    ]);
    return cached || pattern;
  }

  async eraseDerived(tenantId: string, userId: string): Promise<number> {
    const [cached, patterns] = await Promise.all([
      this.stores.cache.eraseUser(tenantId, userId),
      this.stores.patterns.eraseUser(tenantId, userId),
    ]);
    return cached + patterns;
  }
}

const recordsIndex = { name: USER_RECORDS_INDEX, partitionKey: 'gsi1pk' };
