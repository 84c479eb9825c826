import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Period } from '@cost-management/core';
import { UnavailableError } from '../../platform/errors.js';
import { backoff } from '../../platform/retry.js';
import {
  type CommitOutcome,
  PartialCommitError,
  type PreparedUsage,
  type PriceUseUpdate,
  type RecordedMarker,
  type Repricing,
  type RepricingStore,
  type UsageRecord,
  type UsageStore,
} from '../ports/usage-store.js';
import {
  aggregateIncrements,
  aggregateItemIds,
  incrementUpdate,
  repricingIncrements,
} from './dynamo-aggregate-store.js';
import { DynamoUsageRecords, usageRecordItem, usageRecordKey } from './dynamo-usage-records.js';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

/** DynamoDB allows 100 items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_CONFLICT_RETRIES = 8;

/**
 * The items of one transaction for a group of events: per event its record (conditioned on the
 * requestId being new; the record is its own idempotency marker), then the aggregate increments
 * of the whole group merged per item (DynamoDB allows one operation per item in a transaction).
 */
export function buildTransactItems(
  tables: DynamoUsageStoreTables,
  tenantId: string,
  events: PreparedUsage[],
  priceUse?: PriceUseUpdate,
): TransactItem[] {
  const items: TransactItem[] = events.map(({ record, bodyHash }) => ({
    Put: {
      TableName: tables.usageTable,
      Item: usageRecordItem(tenantId, record, bodyHash),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
  for (const increment of aggregateIncrements(tenantId, events)) {
    items.push({ Update: incrementUpdate(tables.analyticsTable, increment) });
  }
  if (priceUse) {
    const perVersion = new Map<string, number>();
    for (const { record } of events) {
      if (record.priced !== false)
        perVersion.set(record.priceVersion, (perVersion.get(record.priceVersion) ?? 0) + 1);
    }
    for (const [version, count] of perVersion) {
      const update = priceUse(tenantId, version, count);
      if (update) items.push({ Update: update });
    }
  }
  return items;
}

export interface DynamoUsageStoreTables {
  usageTable: string;
  analyticsTable: string;
}

/**
 * Writes a group of events in as few `TransactWriteItems` calls as fit: each event's record
 * (conditioned on the requestId being new), plus the aggregate increments of the whole group
 * merged per item. A requestId recorded earlier cancels the transaction on its record; that event
 * is answered from the first recording and the rest is written again without it.
 */
export class DynamoUsageStore implements UsageStore, RepricingStore {
  private readonly records: DynamoUsageRecords;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: DynamoUsageStoreTables,
    private readonly priceUse?: PriceUseUpdate,
  ) {
    this.records = new DynamoUsageRecords(client, tables.usageTable);
  }

  async commit(tenantId: string, events: PreparedUsage[]): Promise<CommitOutcome[]> {
    const outcomes = new Map<number, CommitOutcome>();
    const written = new Set<number>();
    for (const chunk of this.chunks(tenantId, events)) {
      try {
        await this.commitChunk(tenantId, chunk, events, outcomes);
      } catch (error) {
        if (written.size === 0 && outcomes.size === 0) throw error;
        // Earlier transactions stand: say which events they recorded, so their follow-up work runs.
        throw new PartialCommitError(
          error,
          events.map((_, i) => outcomes.get(i) ?? (written.has(i) ? { status: 'recorded' } : undefined)),
        );
      }
      for (const i of chunk) written.add(i);
    }
    return events.map((_, i) => outcomes.get(i) ?? { status: 'recorded' });
  }

  /** Groups event indexes so that each group's items fit one transaction. */
  private chunks(tenantId: string, events: PreparedUsage[]): number[][] {
    const chunks: number[][] = [];
    let current: number[] = [];
    let aggregateKeys = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as PreparedUsage;
      const keys = aggregateItemIds(tenantId, event);
      if (this.priceUse?.(tenantId, event.record.priceVersion, 1))
        keys.push(`price|${event.record.priceVersion}`);
      const merged = new Set([...aggregateKeys, ...keys]);
      if (current.length > 0 && current.length + 1 + merged.size > MAX_TRANSACTION_ITEMS) {
        chunks.push(current);
        current = [];
        aggregateKeys = new Set(keys);
      } else {
        aggregateKeys = merged;
      }
      current.push(i);
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  private async commitChunk(
    tenantId: string,
    chunk: number[],
    events: PreparedUsage[],
    outcomes: Map<number, CommitOutcome>,
  ): Promise<void> {
    let pending = [...chunk];
    let conflicts = 0;
    while (pending.length > 0) {
      const items = buildTransactItems(
        this.tables,
        tenantId,
        pending.map((i) => events[i] as PreparedUsage),
        this.priceUse,
      );
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const duplicates = pending.filter(
          (_, position) => reasons[position]?.Code === 'ConditionalCheckFailed',
        );
        if (duplicates.length > 0) {
          for (const index of duplicates) {
            const event = events[index] as PreparedUsage;
            const marker = await this.readMarker(tenantId, event.record.requestId);
            outcomes.set(index, { status: 'already-recorded', marker });
          }
          pending = pending.filter((i) => !duplicates.includes(i));
          continue;
        }
        const retryable = reasons.some(
          (r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError',
        );
        if (!retryable || ++conflicts > MAX_CONFLICT_RETRIES) {
          throw retryable ? new UnavailableError() : error;
        }
        await backoff(conflicts, { baseMs: 30, capMs: 1000 });
      }
    }
  }

  async reprice(
    tenantId: string,
    record: UsageRecord,
    price: Repricing,
    periods: readonly Period[],
  ): Promise<boolean> {
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tables.usageTable,
          Key: usageRecordKey(tenantId, record.requestId),
          ConditionExpression: 'priced = :unpriced',
          UpdateExpression:
            'SET costNano = :cost, breakdown = :breakdown, priceVersion = :version, priced = :priced REMOVE gsi2pk, gsi2sk',
          ExpressionAttributeValues: {
            ':unpriced': false,
            ':priced': true,
            ':cost': price.costNano,
            ':breakdown': price.breakdown,
            ':version': price.priceVersion,
          },
        },
      },
      ...repricingIncrements(tenantId, record, price.costNano, periods).map((increment) => ({
        Update: incrementUpdate(this.tables.analyticsTable, increment),
      })),
    ];
    const use = this.priceUse?.(tenantId, price.priceVersion, 1);
    if (use) items.push({ Update: use });
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
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

  private async readMarker(tenantId: string, requestId: string): Promise<RecordedMarker> {
    const first = await this.records.recorded(tenantId, requestId);
    if (!first) throw new UnavailableError('The first recording of this requestId could not be read; retry.');
    return first;
  }
}
