import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AnalyticsInput,
  addDays,
  dayExpiresAtSeconds,
  emptyCounters,
  type NanoUsd,
  type Period,
  type UsageCounters,
} from '@cost-management/core';
import { partitionKeys } from '../../platform/dynamo-erase.js';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
import { UnavailableError } from '../../platform/errors.js';
import { EXPIRES_AT, rewriteExpiryPage } from '../../platform/expiry.js';
import { userPk } from '../../platform/keys.js';
import { backoff } from '../../platform/retry.js';
import type {
  ExpiryRewriter,
  PagePosition,
  Retention,
  RewrittenPage,
} from '../../privacy/ports/retention-job.js';
import type { AggregateReader, TenantUsageReader, UserTotals } from '../ports/read-stores.js';
import type { TrackedCostReader } from '../ports/reconciliation.js';
import { type Counters, countersOf, type PreparedUsage, type UsageRecord } from '../ports/usage-store.js';

/**
 * The one owner of the aggregate layout of the token_analytics table. Per user (pk `T#tenant#U#user`):
 * - `D#<day>`: the UTC day's totals, plus per-model and per-operation counters as flat attributes
 *   `M#<modelId>#<c>` and `O#<operation>#<c>` (`c` one of {@link SUB_COUNTERS}; zeros left out);
 * - `P#<kind>#<zone>#<key>`: period totals — the UTC month for every event, and the periods of
 *   other zones that a user's thresholds watch.
 * UTC days and weeks are read from the day items (a week is at most 7 of them).
 * Per tenant (pk `T#tenant#UNPRICED`, sk `<canonical model id>#<UTC day>`): the usage recorded
 * without a price, per model and day of the records, counters as on the day item with `events` for
 * requests; repricing decrements it. Unlike the aggregates, these summaries describe raw records
 * that expire: each carries `expiresAt` of its day's last possible record (the end of the day plus
 * the usage retention), and reads leave out the days whose records have all expired, so the summary
 * never counts records that no longer exist. (An item whose sk has no day is from before the
 * summaries were kept per day; it is read as it is.)
 *
 * Every day item also carries the keys of gsi1, a sparse, keys-only index of the day items alone:
 * `gsi1pk = T#tenant#DS#<shard>` with `shard = fnv1a(userId) mod TENANT_DAY_SHARDS`, and
 * `gsi1sk = <day>#<userId>`. The keys never change once set, so the index is written once per
 * user and day, not per event. The users of a tenant over a range are one range query per shard
 * for the day items' keys, then batch reads of their totals (docs/TENANT-READS.md).
 */
const unpricedPk = (tenantId: string) => `T#${tenantId}#UNPRICED`;
const unpricedKey = (tenantId: string, modelId: string, day: string) => ({
  pk: unpricedPk(tenantId),
  sk: `${modelId}#${day}`,
});
/**
 * The sparse, keys-only index gsi1 of the analytics table lists every tenant, model and day with an
 * unpriced summary across tenants (gsi1pk {@link WAITING_PK}, gsi1sk `<tenant>#<modelId>#<day>`), so
 * a price sync finds whose usage to reprice without a scan. The keys are set with the summary's
 * first increment; the counters' later updates leave the index untouched (keys only).
 */
export const WAITING_INDEX = 'gsi1';
const WAITING_PK = 'T#_service#UNPRICED';
const waitingKeys = (tenantId: string, modelId: string, day: string) => ({
  gsi1pk: WAITING_PK,
  gsi1sk: `${tenantId}#${modelId}#${day}`,
});
/** The summary of one model's usage recorded without a price. */
export interface UnpricedSummary {
  modelId: string;
  events: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/**
 * The increment of a tenant's unpriced summary for one record: `sign` 1 when recorded
 * unpriced, -1 when repriced.
 */
export function unpricedIncrement(
  tenantId: string,
  record: Pick<
    UsageRecord,
    | 'modelId'
    | 'timestamp'
    | 'inputTokens'
    | 'outputTokens'
    | 'cacheReadInputTokens'
    | 'cacheWriteInputTokens'
  >,
  sign: 1 | -1,
  usageDays?: number,
): AggregateIncrement {
  const adds = new Map<string, number>();
  adds.set('events', sign);
  for (const name of [
    'inputTokens',
    'outputTokens',
    'cacheReadInputTokens',
    'cacheWriteInputTokens',
  ] as const) {
    adds.set(name, sign * record[name]);
  }
  const day = record.timestamp.slice(0, 10);
  const sets: Record<string, string | number> = {
    ...(sign === 1 ? waitingKeys(tenantId, record.modelId, day) : {}),
    ...(usageDays !== undefined ? { [EXPIRES_AT]: dayExpiresAtSeconds(day, usageDays) } : {}),
  };
  return {
    key: unpricedKey(tenantId, record.modelId, day),
    adds,
    ...(Object.keys(sets).length > 0 ? { sets } : {}),
  };
}
/**
 * Shards of a tenant in gsi1: a tenant's index writes (one per user and day) spread over this
 * many partition keys, so even the first events after midnight UTC, when every active user's day
 * item is new, stay far below the 1,000 writes/s of a partition (docs/TENANT-READS.md). Changing
 * it re-keys the index: day items written before keep their old shard.
 */
export const TENANT_DAY_SHARDS = 16;

/** The shard of a user in gsi1: FNV-1a of the user id, modulo {@link TENANT_DAY_SHARDS}. */
export function userShard(userId: string, shards = TENANT_DAY_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

const tenantShardPk = (tenantId: string, shard: number) => `T#${tenantId}#DS#${shard}`;

/** The gsi1 keys of a user's day item. */
const dayIndexKeys = (tenantId: string, userId: string, day: string) => ({
  gsi1pk: tenantShardPk(tenantId, userShard(userId)),
  gsi1sk: `${day}#${userId}`,
});

const dayKey = (tenantId: string, userId: string, day: string) => ({
  pk: userPk(tenantId, userId),
  sk: `D#${day}`,
});
const periodKey = (tenantId: string, userId: string, period: Pick<Period, 'kind' | 'timezone' | 'key'>) => ({
  pk: userPk(tenantId, userId),
  sk: `P#${period.kind}#${period.timezone}#${period.key}`,
});

/** Short names of the per-model and per-operation counters, to keep a day item near one write unit. */
const SUB_COUNTERS: Record<keyof Counters, string> = {
  requests: 'n',
  inputTokens: 'i',
  outputTokens: 'o',
  cacheReadInputTokens: 'cr',
  cacheWriteInputTokens: 'cw',
  costNano: 'c',
};
const COUNTER_OF_SUFFIX = Object.fromEntries(
  Object.entries(SUB_COUNTERS).map(([name, suffix]) => [suffix, name as keyof Counters]),
);

const utcMonthOf = (timestamp: string): Pick<Period, 'kind' | 'timezone' | 'key'> => ({
  kind: 'monthly',
  timezone: 'UTC',
  key: timestamp.slice(0, 7),
});

/** Keys an increment of counters to apply to, by attribute name. */
export interface AggregateIncrement {
  key: { pk: string; sk: string };
  adds: Map<string, number>;
  /** Attributes set along with the increment: a day item's index keys, an unpriced summary's waiting keys and expiry. */
  sets?: Record<string, string | number>;
}

function add(adds: Map<string, number>, name: string, value: number, keepZero: boolean): void {
  if (value === 0 && !keepZero && !adds.has(name)) return;
  adds.set(name, (adds.get(name) ?? 0) + value);
}

/**
 * The aggregate increments of a group of events, merged per item (a transaction allows one
 * operation per item): the day item (totals, model and operation counters), the UTC month, and
 * each event's further periods.
 */
export function aggregateIncrements(
  tenantId: string,
  events: readonly PreparedUsage[],
): AggregateIncrement[] {
  const increments = new Map<string, AggregateIncrement>();
  const target = (key: { pk: string; sk: string }, sets?: Record<string, string | number>) => {
    const id = `${key.pk}|${key.sk}`;
    let increment = increments.get(id);
    if (!increment) {
      increment = { key, adds: new Map(), ...(sets ? { sets } : {}) };
      increments.set(id, increment);
    }
    return increment.adds;
  };
  const sets = new Map<string, Record<string, string | number>>();
  for (const { record, periods, usageDays } of events) {
    const counters = countersOf(record);
    const entries = Object.entries(counters) as [keyof Counters, number][];
    const date = record.timestamp.slice(0, 10);
    const day = target(dayKey(tenantId, record.userId, date), dayIndexKeys(tenantId, record.userId, date));
    for (const [name, value] of entries) {
      add(day, name, value, true);
      add(day, `M#${record.modelId}#${SUB_COUNTERS[name]}`, value, false);
      if (record.operation) add(day, `O#${record.operation}#${SUB_COUNTERS[name]}`, value, false);
    }
    for (const period of [utcMonthOf(record.timestamp), ...periods]) {
      const totals = target(periodKey(tenantId, record.userId, period));
      for (const [name, value] of entries) add(totals, name, value, true);
    }
    if (record.priced === false) {
      const summary = unpricedIncrement(tenantId, record, 1, usageDays);
      const adds = target(summary.key);
      for (const [name, value] of summary.adds) add(adds, name, value, true);
      if (summary.sets) sets.set(`${summary.key.pk}|${summary.key.sk}`, summary.sets);
    }
  }
  return [...increments].map(([id, increment]) => {
    const set = sets.get(id);
    return set ? { ...increment, sets: set } : increment;
  });
}

/**
 * The increments of repricing one record that was counted unpriced: its cost added where its
 * tokens were counted (day with model and operation lines, UTC month, further periods), and the
 * tenant's unpriced summary decremented.
 */
export function repricingIncrements(
  tenantId: string,
  record: UsageRecord,
  costNano: number,
  periods: readonly Period[],
): AggregateIncrement[] {
  const day = new Map<string, number>([
    ['costNano', costNano],
    [`M#${record.modelId}#${SUB_COUNTERS.costNano}`, costNano],
  ]);
  if (record.operation) day.set(`O#${record.operation}#${SUB_COUNTERS.costNano}`, costNano);
  const seen = new Set<string>();
  const totals: AggregateIncrement[] = [];
  for (const period of [utcMonthOf(record.timestamp), ...periods]) {
    const key = periodKey(tenantId, record.userId, period);
    if (seen.has(key.sk)) continue;
    seen.add(key.sk);
    totals.push({ key, adds: new Map([['costNano', costNano]]) });
  }
  const date = record.timestamp.slice(0, 10);
  return [
    {
      key: dayKey(tenantId, record.userId, date),
      adds: day,
      sets: dayIndexKeys(tenantId, record.userId, date),
    },
    ...totals,
    unpricedIncrement(tenantId, record, -1),
  ];
}

/** The `Update` of a transaction for one increment. */
export function incrementUpdate(table: string, increment: AggregateIncrement) {
  const names: Record<string, string> = {};
  const values: Record<string, number | string> = {};
  const adds = [...increment.adds].map(([name, value], i) => {
    names[`#c${i}`] = name;
    values[`:c${i}`] = value;
    return `#c${i} :c${i}`;
  });
  const sets = Object.entries(increment.sets ?? {}).map(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  return {
    TableName: table,
    Key: increment.key,
    UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(', ')} ` : ''}ADD ${adds.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** Number of distinct aggregate items an event adds to (for sizing transactions). */
export const aggregateItemIds = (tenantId: string, event: PreparedUsage): string[] =>
  [
    dayKey(tenantId, event.record.userId, event.record.timestamp.slice(0, 10)),
    ...[utcMonthOf(event.record.timestamp), ...event.periods].map((p) =>
      periodKey(tenantId, event.record.userId, p),
    ),
    ...(event.record.priced === false
      ? [unpricedKey(tenantId, event.record.modelId, event.record.timestamp.slice(0, 10))]
      : []),
  ].map((k) => `${k.pk}|${k.sk}`);

const EMPTY: UsageCounters = emptyCounters();

function totalsOf(item: Item): UsageCounters {
  const out = { ...EMPTY };
  for (const name of Object.keys(EMPTY) as (keyof UsageCounters)[]) out[name] = Number(item[name] ?? 0);
  return out;
}

/** The per-model (`M#`) or per-operation (`O#`) counters of a day item. */
function subCounters(item: Item, prefix: 'M#' | 'O#'): Map<string, UsageCounters> {
  const out = new Map<string, UsageCounters>();
  for (const [attribute, value] of Object.entries(item)) {
    if (!attribute.startsWith(prefix)) continue;
    const cut = attribute.lastIndexOf('#');
    const name = COUNTER_OF_SUFFIX[attribute.slice(cut + 1)];
    if (!name || cut <= prefix.length) continue;
    const id = attribute.slice(prefix.length, cut);
    const counters = out.get(id) ?? { ...EMPTY };
    counters[name] = Number(value ?? 0);
    out.set(id, counters);
  }
  return out;
}

/** A user's spend in one period, in core terms (the alerting and control contexts' ports). */
export interface SpendTarget {
  tenantId: string;
  userId: string;
  period: Period;
}

/** The items whose costs sum to a period's spend: the day, ≤ 7 days of a UTC week, or the period total. */
function spendItems({ tenantId, userId, period }: SpendTarget): { pk: string; sk: string }[] {
  if (period.timezone === 'UTC' && period.kind === 'daily') return [dayKey(tenantId, userId, period.key)];
  if (period.timezone === 'UTC' && period.kind === 'weekly') {
    const monday = period.start.slice(0, 10);
    return Array.from({ length: 7 }, (_, i) => dayKey(tenantId, userId, addDays(monday, i)));
  }
  return [periodKey(tenantId, userId, period)];
}

const MAX_BATCH_GET_ATTEMPTS = 8;
/** Queries of gsi1 in flight at once while listing a tenant's users (one per shard). */
const TENANT_READ_CONCURRENCY = TENANT_DAY_SHARDS;

/**
 * Counters moved in one transaction when a user's aggregates move to a pseudonym: keeps each
 * expression far below DynamoDB's 4 KB (a day item has six counters per model and operation).
 */
const MOVE_CHUNK_COUNTERS = 80;
/**
 * The counters every write to an aggregate changes (ingest adds `requests`, repricing `costNano`):
 * a move is conditioned on them, so a write that lands between its read and its transaction makes
 * it read again instead of losing or doubling that write. They move last, with the item's delete.
 */
const MOVE_GUARDS = ['requests', 'costNano'] as const;
const MAX_MOVE_ATTEMPTS = 10;
/** Items of one user moved side by side. */
const MOVE_PARALLELISM = 4;

/**
 * Reads and writes the aggregates of the token_analytics table: analytics (day items), period
 * totals, spend of periods for threshold detection and cost control, and backfilled zone totals.
 */
export class DynamoAggregateStore implements AggregateReader, TrackedCostReader, TenantUsageReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Every user of a tenant with usage in the UTC days `from`..`to`, with the range's totals: one
   * range query of gsi1 per shard for the keys of the day items, then batch reads of their totals
   * (both eventually consistent), summed per user. Reads grow with the user-days active in the
   * range, never with events.
   */
  /**
   * Gives the day items written before gsi1 existed their index keys, each once (on condition that
   * it still has none), scanning the whole table page by page: an operator's one-off after the
   * upgrade (`npm run index:backfill`). Answers how many day items it found without keys and indexed.
   */
  async indexDayItems(): Promise<{ indexed: number }> {
    let indexed = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(sk, :day) AND attribute_not_exists(gsi1pk)',
          ExpressionAttributeValues: { ':day': 'D#' },
          ProjectionExpression: 'pk, sk',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const owner = /^T#([^#]+)#U#(.+)$/.exec(String(item.pk));
        if (!owner) continue;
        const [, tenantId, userId] = owner as unknown as [string, string, string];
        const keys = dayIndexKeys(tenantId, userId, String(item.sk).slice(2));
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: 'SET gsi1pk = :pk, gsi1sk = :sk',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(gsi1pk)',
              ExpressionAttributeValues: { ':pk': keys.gsi1pk, ':sk': keys.gsi1sk },
            }),
          );
          indexed++;
        } catch (error) {
          // Indexed meanwhile by the user's next event: nothing to do.
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { indexed };
  }

  async usersInRange(tenantId: string, from: string, to: string): Promise<UserTotals[]> {
    // User ids hold only [A-Za-z0-9._:@-], all below `~`: `<to>#~` ends the last day.
    const range = { ':from': `${from}#`, ':to': `${to}#~` };
    const shards = await Promise.all(
      Array.from({ length: TENANT_DAY_SHARDS }, (_, shard) =>
        queryAll(this.client, {
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': tenantShardPk(tenantId, shard), ...range },
          ProjectionExpression: 'pk, sk',
        }),
      ),
    );
    const keys = shards.flat().map((i) => ({ pk: String(i.pk), sk: String(i.sk) }));
    const items = await this.batchGet(keys, 'pk, sk, costNano, requests, inputTokens, outputTokens', {
      consistent: false,
      concurrency: TENANT_READ_CONCURRENCY,
    });
    const userOf = (pk: string) => pk.slice(userPk(tenantId, '').length);
    const sums = new Map<string, UserTotals>();
    for (const item of items.values()) {
      const userId = userOf(String(item.pk));
      const sum = sums.get(userId) ?? {
        userId,
        costNano: 0,
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
      };
      sum.costNano += Number(item.costNano ?? 0);
      sum.requests += Number(item.requests ?? 0);
      sum.inputTokens += Number(item.inputTokens ?? 0);
      sum.outputTokens += Number(item.outputTokens ?? 0);
      sums.set(userId, sum);
    }
    return [...sums.values()];
  }

  /**
   * Daily cost per model of every user of a tenant, from the day items' per-model counters. The
   * aggregates are kept per user, so this scans the table with a filter: fit for a daily batch run
   * (reconciliation), not for a request path. A tenant-wide day item would make it a query.
   */
  async dailyModelCosts(tenantId: string, from: string, to: string) {
    const sums = new Map<string, { date: string; modelId: string; nano: NanoUsd }>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(pk, :pk) AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': userPk(tenantId, ''),
            ':from': dayKey(tenantId, '', from).sk,
            ':to': dayKey(tenantId, '', to).sk,
          },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const date = String(item.sk).slice(dayKey(tenantId, '', '').sk.length);
        for (const [modelId, counters] of subCounters(item, 'M#')) {
          const key = `${date} ${modelId}`;
          const entry = sums.get(key) ?? { date, modelId, nano: 0 };
          entry.nano += counters.costNano;
          sums.set(key, entry);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return [...sums.values()];
  }

  /**
   * Strongly consistent: analytics caches what this returns under request counts read just
   * before, so an eventually consistent read could cache figures older than those counts. The
   * range is O(days) items, so the doubled read cost is small.
   */
  async readDays(tenantId: string, userId: string, from: string, to: string): Promise<AnalyticsInput> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': userPk(tenantId, userId),
        ':from': dayKey(tenantId, userId, from).sk,
        ':to': dayKey(tenantId, userId, to).sk,
      },
    });
    const input: AnalyticsInput = { from, to, days: [], byModel: [], byOperation: [] };
    for (const item of items) {
      const date = String(item.sk).slice(2);
      input.days.push({ date, totals: totalsOf(item) });
      for (const [modelId, counters] of subCounters(item, 'M#'))
        input.byModel.push({ date, modelId, counters });
      for (const [operation, counters] of subCounters(item, 'O#')) {
        input.byOperation.push({ date, operation, counters });
      }
    }
    return input;
  }

  /** Totals of periods (undefined where nothing was recorded), read consistently, in the given order. */
  async readPeriods(
    tenantId: string,
    userId: string,
    periods: readonly Period[],
  ): Promise<(UsageCounters | undefined)[]> {
    const keyed = periods.map((period) => spendItems({ tenantId, userId, period }));
    const items = await this.batchGet(keyed.flat());
    return keyed.map((keys) => {
      const found = keys.map((k) => items.get(`${k.pk}|${k.sk}`)).filter((i): i is Item => i !== undefined);
      if (found.length === 0) return undefined;
      const sum = { ...EMPTY };
      for (const counters of found.map(totalsOf)) {
        for (const name of Object.keys(EMPTY) as (keyof UsageCounters)[]) sum[name] += counters[name];
      }
      return sum;
    });
  }

  /** Cost of each target's period, in order (missing items count 0); throws when items stay unread. */
  async costs(targets: readonly SpendTarget[]): Promise<number[]> {
    const keyed = targets.map(spendItems);
    const items = await this.batchGet(keyed.flat(), 'pk, sk, costNano');
    return keyed.map((keys) =>
      keys.reduce((sum, k) => sum + Number(items.get(`${k.pk}|${k.sk}`)?.costNano ?? 0), 0),
    );
  }

  /**
   * The tenant's usage waiting for a price, by model (models with no such event left out). With
   * `firstRetainedDay`, the days before it are left out: their records have all expired.
   */
  async unpriced(tenantId: string, firstRetainedDay?: string): Promise<UnpricedSummary[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': unpricedPk(tenantId) },
    });
    const byModel = new Map<string, UnpricedSummary>();
    for (const item of items) {
      const [modelId = '', day] = String(item.sk).split('#');
      if (day !== undefined && firstRetainedDay !== undefined && day < firstRetainedDay) continue;
      const sum = byModel.get(modelId) ?? {
        modelId,
        events: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 0,
      };
      sum.events += Number(item.events ?? 0);
      sum.inputTokens += Number(item.inputTokens ?? 0);
      sum.outputTokens += Number(item.outputTokens ?? 0);
      sum.cacheReadInputTokens += Number(item.cacheReadInputTokens ?? 0);
      sum.cacheWriteInputTokens += Number(item.cacheWriteInputTokens ?? 0);
      byModel.set(modelId, sum);
    }
    return [...byModel.values()].filter((s) => s.events > 0);
  }

  /** The expiry of the tenant's per-day unpriced summaries under a new usage retention. */
  unpricedExpiry(): ExpiryRewriter {
    return {
      part: 'unpriced-summaries',
      rewritePage: (
        tenantId: string,
        retention: Retention,
        after: PagePosition | undefined,
      ): Promise<RewrittenPage> =>
        rewriteExpiryPage(
          this.client,
          this.table,
          {
            input: {
              KeyConditionExpression: 'pk = :pk',
              ProjectionExpression: 'pk, sk, #e',
              ExpressionAttributeNames: { '#e': EXPIRES_AT },
              ExpressionAttributeValues: { ':pk': unpricedPk(tenantId) },
            },
          },
          after,
          // An item whose sk has no day is from before the summaries were kept per day: left alone.
          (item) => {
            const day = String(item.sk).split('#')[1];
            return day ? dayExpiresAtSeconds(day, retention.usageDays) : undefined;
          },
        ),
    };
  }

  /**
   * Tenants with an unpriced summary (usage that waits, or once waited, for a price), in order,
   * read from the sparse index gsi1 (eventually consistent): at most `limit` after `after`.
   */
  async waitingTenants(page: {
    limit: number;
    after?: string;
  }): Promise<{ tenants: string[]; after?: string }> {
    const tenants: string[] = [];
    let start: Record<string, unknown> | undefined;
    // Tenant ids carry no `#`: every gsi1sk of a tenant sorts below `<tenant>#\uffff`.
    const after = page.after === undefined ? {} : { ':from': `${page.after}#\uffff` };
    do {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: WAITING_INDEX,
          KeyConditionExpression: `gsi1pk = :pk${page.after === undefined ? '' : ' AND gsi1sk > :from'}`,
          ExpressionAttributeValues: { ':pk': WAITING_PK, ...after },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of res.Items ?? []) {
        const sk = String(item.gsi1sk);
        const tenant = sk.slice(0, sk.indexOf('#'));
        if (tenants[tenants.length - 1] === tenant) continue;
        if (tenants.length === page.limit) return { tenants, after: tenants[tenants.length - 1] as string };
        tenants.push(tenant);
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return { tenants };
  }

  /**
   * Takes the tenant's models with nothing left waiting out of the waiting index (on condition
   * their count is still zero: an event recorded meanwhile puts them back). Returns how many.
   */
  async settleWaiting(tenantId: string): Promise<number> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'attribute_exists(gsi1pk) AND events <= :zero',
      ExpressionAttributeValues: { ':pk': unpricedPk(tenantId), ':zero': 0 },
    });
    let settled = 0;
    for (const item of items) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
            ConditionExpression: 'events <= :zero',
            ExpressionAttributeValues: { ':zero': 0 },
          }),
        );
        settled++;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    return settled;
  }

  /** A user's spend in one period (cost control). */
  async periodSpend(tenantId: string, userId: string, period: Period): Promise<NanoUsd> {
    return (await this.costs([{ tenantId, userId, period }]))[0] ?? 0;
  }

  /**
   * The backfill marker of a period total: the instant before which the records written are in it
   * by a backfill (`backfilledBefore`), undefined while no backfill added to it. Read consistently.
   */
  async backfillMarker(tenantId: string, userId: string, period: Period): Promise<string | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: periodKey(tenantId, userId, period),
        ProjectionExpression: 'backfilledBefore',
        ConsistentRead: true,
      }),
    );
    const marker = res.Item?.backfilledBefore;
    return typeof marker === 'string' ? marker : undefined;
  }

  /**
   * Adds a backfilled sum (negative when the marker moves back) to a period total and sets its
   * marker to `before`, on condition that the marker is still `seen` (absent when undefined): a
   * redelivered or concurrent backfill that read the same marker adds nothing. The item is created
   * when ingest has not added to it yet. False when the marker changed meanwhile.
   */
  async addBackfill(
    tenantId: string,
    userId: string,
    period: Period,
    sum: { costNano: number; requests: number },
    marker: { seen: string | undefined; before: string },
    at: string,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: periodKey(tenantId, userId, period),
          UpdateExpression:
            'ADD costNano :cost, requests :requests SET backfilledBefore = :before, backfilledAt = :at',
          ConditionExpression:
            marker.seen === undefined ? 'attribute_not_exists(backfilledBefore)' : 'backfilledBefore = :seen',
          ExpressionAttributeValues: {
            ':cost': sum.costNano,
            ':requests': sum.requests,
            ':before': marker.before,
            ':at': at,
            ...(marker.seen === undefined ? {} : { ':seen': marker.seen }),
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** True while the user has a day or period total (erasure). */
  async holdsUser(tenantId: string, userId: string): Promise<boolean> {
    return (await partitionKeys(this.client, this.table, userPk(tenantId, userId), 1)).length > 0;
  }

  /**
   * Erasure: moves up to `limit` of a user's aggregate items to the items of the same day or
   * period under `pseudonym` (a user id no API call can carry), and answers how many it moved.
   * Every counter is added to the pseudonym's item and removed from the user's in one transaction,
   * so sums over the tenant's items (per day, model, operation and period) stay exact at every
   * moment, and a move repeated after a crash finds nothing left to add twice.
   */
  async moveUser(tenantId: string, userId: string, pseudonym: string, limit = 25): Promise<number> {
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': userPk(tenantId, userId) },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    const items = (res.Items ?? []) as Item[];
    for (let i = 0; i < items.length; i += MOVE_PARALLELISM) {
      await Promise.all(
        items.slice(i, i + MOVE_PARALLELISM).map((item) => this.moveItem(tenantId, pseudonym, item)),
      );
    }
    return items.length;
  }

  /** Moves one item's counters in chunks; the last chunk deletes the item (non-counter attributes go with it). */
  private async moveItem(tenantId: string, pseudonym: string, read: Item): Promise<void> {
    const source = { pk: String(read.pk), sk: String(read.sk) };
    const target = { pk: userPk(tenantId, pseudonym), sk: source.sk };
    let item: Item | undefined = read;
    for (let attempt = 0; item; ) {
      const guards = MOVE_GUARDS as readonly string[];
      const counters = Object.entries(item).filter(
        ([name, value]) => name !== 'pk' && name !== 'sk' && typeof value === 'number',
      ) as [string, number][];
      // The guards stay on the item until its final chunk, conditioning every chunk.
      const others = counters.filter(([name]) => !guards.includes(name));
      const last = others.length <= MOVE_CHUNK_COUNTERS;
      const chunk = last ? counters : others.slice(0, MOVE_CHUNK_COUNTERS);
      const condition = guardCondition(item);
      const adds = addExpression(chunk);
      const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
        last
          ? {
              Delete: {
                TableName: this.table,
                Key: source,
                ConditionExpression: condition.expression,
                ExpressionAttributeNames: condition.names,
                ...(Object.keys(condition.values).length > 0
                  ? { ExpressionAttributeValues: condition.values }
                  : {}),
              },
            }
          : {
              Update: {
                TableName: this.table,
                Key: source,
                UpdateExpression: `REMOVE ${chunk.map((_, i) => `#a${i}`).join(', ')}`,
                ConditionExpression: condition.expression,
                ExpressionAttributeNames: { ...condition.names, ...adds.names },
                ...(Object.keys(condition.values).length > 0
                  ? { ExpressionAttributeValues: condition.values }
                  : {}),
              },
            },
      ];
      if (chunk.length > 0) {
        // A day item under the pseudonym carries the tenant-day index keys like any day item, so
        // the tenant's user list keeps counting the erased user's spend (as the pseudonym).
        const index = source.sk.startsWith('D#')
          ? dayIndexKeys(tenantId, pseudonym, source.sk.slice('D#'.length))
          : undefined;
        items.push({
          Update: {
            TableName: this.table,
            Key: target,
            UpdateExpression: index ? `SET #gp = :gp, #gs = :gs ${adds.expression}` : adds.expression,
            ExpressionAttributeNames: {
              ...adds.names,
              ...(index ? { '#gp': 'gsi1pk', '#gs': 'gsi1sk' } : {}),
            },
            ExpressionAttributeValues: {
              ...adds.values,
              ...(index ? { ':gp': index.gsi1pk, ':gs': index.gsi1sk } : {}),
            },
          },
        });
      }
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        if (last) return;
        const moved = new Set(chunk.map(([name]) => name));
        item = Object.fromEntries(Object.entries(item).filter(([name]) => !moved.has(name)));
        attempt = 0;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (++attempt > MAX_MOVE_ATTEMPTS)
          throw new UnavailableError('an aggregate kept changing during its move');
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          // Written meanwhile (or already moved): move what the item holds now.
          // A query of the one key: the same read the move starts from, so it needs no other grant.
          const fresh = await this.client.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: 'pk = :pk AND sk = :sk',
              ExpressionAttributeValues: { ':pk': source.pk, ':sk': source.sk },
              ConsistentRead: true,
            }),
          );
          item = fresh.Items?.[0] as Item | undefined;
          continue;
        }
        const retryable = reasons.some(
          (r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError',
        );
        if (!retryable) throw error;
        await backoff(attempt, { baseMs: 30, capMs: 1000 });
      }
    }
  }

  /**
   * Items by `pk|sk`, read in batches of 100 (consistently unless told otherwise; `concurrency`
   * batches at a time); throws when keys stay unprocessed.
   */
  private async batchGet(
    keys: readonly { pk: string; sk: string }[],
    projection?: string,
    options: { consistent?: boolean; concurrency?: number } = {},
  ) {
    const out = new Map<string, Item>();
    const unique = [...new Map(keys.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
    const batches: { pk: string; sk: string }[][] = [];
    for (let i = 0; i < unique.length; i += 100) batches.push(unique.slice(i, i + 100));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await this.readBatch(batches[next++] ?? [], out, projection, options);
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 1, batches.length) }, worker));
    return out;
  }

  /** One BatchGetItem of up to 100 keys into `out`, retrying unprocessed keys with backoff. */
  private async readBatch(
    batch: readonly { pk: string; sk: string }[],
    out: Map<string, Item>,
    projection: string | undefined,
    options: { consistent?: boolean },
  ): Promise<void> {
    let pending: Item[] | undefined = batch.map((k) => ({ pk: k.pk, sk: k.sk }));
    for (let attempt = 0; pending && pending.length > 0 && attempt < MAX_BATCH_GET_ATTEMPTS; attempt++) {
      if (attempt > 0) await backoff(attempt, { baseMs: 20, capMs: 1000 });
      const res = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.table]: {
              Keys: pending,
              ConsistentRead: options.consistent ?? true,
              ...(projection ? { ProjectionExpression: projection } : {}),
            },
          },
        }),
      );
      for (const item of res.Responses?.[this.table] ?? []) out.set(`${item.pk}|${item.sk}`, item);
      pending = res.UnprocessedKeys?.[this.table]?.Keys as Item[] | undefined;
    }
    // An unread total is not a zero spend: callers would resolve breaches on it.
    if (pending && pending.length > 0) {
      throw new UnavailableError(`${pending.length} period totals not read after retries`);
    }
  }
}

/** The condition that the guard counters still hold the values read (or are still absent). */
function guardCondition(item: Item) {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const parts = MOVE_GUARDS.map((guard, i) => {
    names[`#g${i}`] = guard;
    const value = item[guard];
    if (typeof value !== 'number') return `attribute_not_exists(#g${i})`;
    values[`:g${i}`] = value;
    return `#g${i} = :g${i}`;
  });
  return { expression: `attribute_exists(pk) AND ${parts.join(' AND ')}`, names, values };
}

/** `ADD #a0 :a0, …` of counters (placeholders `#a<i>` shared with the REMOVE of the same chunk). */
function addExpression(counters: readonly [string, number][]) {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const adds = counters.map(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:a${i}`] = value;
    return `#a${i} :a${i}`;
  });
  return { expression: `ADD ${adds.join(', ')}`, names, values };
}
