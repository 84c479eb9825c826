import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LongContextTier, TokenRates } from '@cost-management/core';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
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

  async add(scope: string, price: Omit<StoredPrice, 'pricedEvents'>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: scopePk(scope), sk: versionSk(price.modelId, price.effectiveFrom), ...price },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
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
  ): Promise<'removed' | 'not-found' | 'in-use'> {
    try {
      const res = await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: scopePk(scope), sk: versionSk(modelId, effectiveFrom) },
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(pricedEvents) OR pricedEvents <= :zero)',
          ExpressionAttributeValues: { ':zero': 0 },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      void res;
      return 'removed';
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const old = (error as { Item?: Item }).Item;
      return old && priceOf(old) ? 'in-use' : 'not-found';
    }
  }
}

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
