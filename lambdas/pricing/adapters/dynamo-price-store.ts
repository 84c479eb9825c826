import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { LongContextTier, TokenRates } from '@cost-management/core';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
import type { AuditWrite } from '../../privacy/ports/audit-log.js';
import type { PriceUseUpdate } from '../../usage/ports/usage-store.js';
import type { PriceStore, StoredPrice } from '../ports/price-store.js';

/**
 * Layout of the model_prices table: one item per price version, pk `T#<scope>` (a tenant, or the
 * reserved service scope `_service`), sk `V#<modelId>#<effectiveFrom>`. Rates are integer nano-USD
 * per million tokens. `pricedEvents` counts the events a tenant version has priced.
 */
const scopePk = (scope: string) => `T#${scope}`;
const versionSk = (modelId: string, effectiveFrom: string) => `V#${modelId}#${effectiveFrom}`;

function priceOf(item: Item): StoredPrice | undefined {
  // An item without rates is a counter left behind by a version removed meanwhile: not a price.
  if (typeof item.rates !== 'object' || item.rates === null) return undefined;
  return {
    modelId: String(item.modelId),
    effectiveFrom: String(item.effectiveFrom),
    source: item.source === 'sync' ? 'sync' : 'tenant',
    ...(typeof item.note === 'string' ? { note: item.note } : {}),
    ...(typeof item.modelName === 'string' ? { modelName: item.modelName } : {}),
    rates: item.rates as TokenRates,
    ...(item.globalRates ? { globalRates: item.globalRates as TokenRates } : {}),
    ...(item.longContext ? { longContext: item.longContext as LongContextTier } : {}),
    createdAt: String(item.createdAt),
    pricedEvents: Number(item.pricedEvents ?? 0),
  };
}

export class DynamoPriceStore implements PriceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async add(scope: string, price: Omit<StoredPrice, 'pricedEvents'>, audit?: AuditWrite): Promise<boolean> {
    const put = {
      TableName: this.table,
      Item: { pk: scopePk(scope), sk: versionSk(price.modelId, price.effectiveFrom), ...price },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    try {
      if (audit) {
        // The version and the audit entry of its addition: both or neither.
        await this.client.send(
          new TransactWriteCommand({ TransactItems: [{ Put: put }, { Put: audit.put }] }),
        );
      } else {
        await this.client.send(new PutCommand(put));
      }
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      if (firstConditionFailed(error)) return false;
      throw error;
    }
  }

  async list(scope: string): Promise<StoredPrice[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': scopePk(scope) },
    });
    return items.map(priceOf).filter((p): p is StoredPrice => p !== undefined);
  }

  async remove(
    scope: string,
    modelId: string,
    effectiveFrom: string,
    audit?: AuditWrite,
  ): Promise<'removed' | 'not-found' | 'in-use'> {
    const remove = {
      TableName: this.table,
      Key: { pk: scopePk(scope), sk: versionSk(modelId, effectiveFrom) },
      ConditionExpression:
        'attribute_exists(pk) AND (attribute_not_exists(pricedEvents) OR pricedEvents <= :zero)',
      ExpressionAttributeValues: { ':zero': 0 },
    };
    if (audit) {
      try {
        // The removal and the audit entry of it: both or neither.
        await this.client.send(
          new TransactWriteCommand({ TransactItems: [{ Delete: remove }, { Put: audit.put }] }),
        );
        return 'removed';
      } catch (error) {
        if (!firstConditionFailed(error)) throw error;
        const left = (await this.list(scope)).find(
          (p) => p.modelId === modelId && p.effectiveFrom === effectiveFrom,
        );
        return left ? 'in-use' : 'not-found';
      }
    }
    try {
      await this.client.send(
        new DeleteCommand({ ...remove, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      );
      return 'removed';
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const old = (error as { Item?: Item }).Item;
      return old && priceOf(old) ? 'in-use' : 'not-found';
    }
  }
}

/** A transaction cancelled because its first item's condition failed. */
const firstConditionFailed = (error: unknown): boolean =>
  error instanceof TransactionCanceledException &&
  error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';

/**
 * The counter update of a tenant version for the transaction that prices `events` with it
 * (`<modelId>@<effectiveFrom>#tenant`); undefined for other versions.
 */
export function priceUseUpdate(table: string): PriceUseUpdate {
  return (tenantId, priceVersion, events) => {
    const match = /^(.+)@([^@]+)#tenant$/.exec(priceVersion);
    if (!match || events === 0) return undefined;
    return {
      TableName: table,
      Key: { pk: scopePk(tenantId), sk: versionSk(match[1] as string, match[2] as string) },
      UpdateExpression: 'ADD pricedEvents :n',
      ExpressionAttributeValues: { ':n': events },
    };
  };
}
