import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { addCounters } from '@cost-management/core';
import { UnavailableError } from '../../platform/errors.js';
import { requestMarkerKey, usageRecordSk, userPk } from '../../platform/keys.js';
import {
  type CommitOutcome,
  type Counters,
  countersOf,
  PartialCommitError,
  type PreparedUsage,
  type RecordedMarker,
  type UsageStore,
} from '../ports/usage-store.js';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

/** DynamoDB allows 100 items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_CONFLICT_RETRIES = 8;

interface AggregateDelta {
  pk: string;
  sk: string;
  attributes: Record<string, string>;
  counters: Counters;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The items of one transaction for a group of events: per event its idempotency marker
 * (conditioned on the requestId being new) and its record, then the aggregate increments of
 * the whole group merged per item (DynamoDB allows one operation per item in a transaction).
 */
export function buildTransactItems(
  tables: DynamoUsageStoreTables,
  tenantId: string,
  events: PreparedUsage[],
): TransactItem[] {
  const items: TransactItem[] = [];
  const deltas = new Map<string, AggregateDelta>();
  for (const { record, bodyHash, aggregates } of events) {
    const marker: RecordedMarker = { bodyHash, record };
    const pk = userPk(tenantId, record.userId);
    items.push({
      Put: {
        TableName: tables.usageTable,
        Item: { ...requestMarkerKey(tenantId, record.requestId), ...marker, kind: 'marker' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    items.push({
      Put: {
        TableName: tables.usageTable,
        Item: { pk, sk: usageRecordSk(record.timestamp, record.requestId), ...record, kind: 'record' },
      },
    });
    const counters = countersOf(record);
    for (const target of aggregates) {
      const key = `${pk}|${target.sk}`;
      const existing = deltas.get(key);
      deltas.set(key, {
        pk,
        sk: target.sk,
        attributes: target.attributes,
        counters: existing ? addCounters(existing.counters, counters) : counters,
      });
    }
  }
  for (const delta of deltas.values()) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    Object.entries(delta.attributes).forEach(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      sets.push(`#a${i} = :a${i}`);
    });
    const adds = Object.entries(delta.counters).map(([name, value], i) => {
      names[`#c${i}`] = name;
      values[`:c${i}`] = value;
      return `#c${i} :c${i}`;
    });
    items.push({
      Update: {
        TableName: tables.analyticsTable,
        Key: { pk: delta.pk, sk: delta.sk },
        UpdateExpression: `ADD ${adds.join(', ')}${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
  }
  return items;
}

export interface DynamoUsageStoreTables {
  usageTable: string;
  analyticsTable: string;
}

/**
 * Writes a group of events in as few `TransactWriteItems` calls as fit: each event's marker
 * (conditioned on the requestId being new) and record, plus the aggregate increments of the
 * whole group merged per item. A requestId recorded earlier cancels the transaction on its
 * marker; that event is answered from the marker and the rest is written again without it.
 */
export class DynamoUsageStore implements UsageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: DynamoUsageStoreTables,
  ) {}

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
      const keys = event.aggregates.map((a) => `${userPk(tenantId, event.record.userId)}|${a.sk}`);
      const merged = new Set([...aggregateKeys, ...keys]);
      if (current.length > 0 && (current.length + 1) * 2 + merged.size > MAX_TRANSACTION_ITEMS) {
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
      );
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const duplicates = pending.filter(
          (_, position) => reasons[position * 2]?.Code === 'ConditionalCheckFailed',
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
        await sleep(Math.min(1000, 15 * 2 ** conflicts) * (0.5 + Math.random()));
      }
    }
  }

  private async readMarker(tenantId: string, requestId: string): Promise<RecordedMarker> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tables.usageTable,
        Key: requestMarkerKey(tenantId, requestId),
        ConsistentRead: true,
      }),
    );
    if (!res.Item)
      throw new UnavailableError('The first recording of this requestId could not be read; retry.');
    return { bodyHash: res.Item.bodyHash as string, record: res.Item.record as RecordedMarker['record'] };
  }
}
