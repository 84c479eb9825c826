/**
 * The cost of the tenant-day index on ingest (docs/TENANT-READS.md), for `npm run bench`
 * (scripts/bench.ts) or alone with `npx tsx scripts/bench-tenant-index.ts`: the same
 * single-event transactions into three layouts of the aggregates table, in alternating rounds of
 * one run, and the write units DynamoDB reports per event for each:
 * - `none`: no index, and no index keys on the day items (the layout before the index);
 * - `keys`: the index as deployed (keys only: written when a user's day item is created);
 * - `include`: the alternative not taken, an index copying the four totals (written with every event).
 */

import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/platform/dynamo-client.js';
import { TABLES, type TableDefinition } from '../lambdas/platform/tables.js';
import { aggregateIncrements, incrementUpdate } from '../lambdas/usage/adapters/dynamo-aggregate-store.js';
import { buildTransactItems } from '../lambdas/usage/adapters/dynamo-usage-store.js';
import { prepareEvent } from '../lambdas/usage/use-cases/track-usage.js';
import { createInput } from '../local/create-tables.js';
import { itemUnits } from './bench-writes.js';

export type Layout = 'none' | 'keys' | 'include';
export const LAYOUTS: readonly Layout[] = ['none', 'keys', 'include'];

const TENANT = 'bench-index';
const MODELS = ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0'];

export interface TenantIndexFigures {
  events: number;
  users: number;
  days: number;
  concurrency: number;
  /** Events per second into each layout (single-event transactions). */
  eventsPerSecond: Record<Layout, number>;
  /** Write units per event (transactional writes doubled, index writes once), per layout. */
  writeUnitsPerEvent: Record<Layout, number>;
  /** Events per user and day in the write-unit sample (the index is written once per user and day). */
  sampleEventsPerUserDay: number;
}

function analyticsDefinition(layout: Layout): TableDefinition {
  const base = TABLES.tokenAnalytics as TableDefinition;
  if (layout === 'none') return { ...base, indexes: [] };
  const [index] = base.indexes;
  if (!index) throw new Error('the aggregates table has no index to measure');
  return { ...base, indexes: [layout === 'keys' ? index : { ...index, projection: 'all' as const }] };
}

async function createTables(admin: DynamoDBClient, prefix: string, layout: Layout) {
  const usage = createInput(TABLES.tokenUsage as TableDefinition, prefix);
  const analytics = createInput(analyticsDefinition(layout), prefix);
  if (layout === 'include') {
    const index = analytics.GlobalSecondaryIndexes?.[0];
    if (index)
      index.Projection = {
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: ['costNano', 'requests', 'inputTokens', 'outputTokens'],
      };
  }
  await admin.send(new CreateTableCommand(usage));
  await admin.send(new CreateTableCommand(analytics));
  return { usageTable: String(usage.TableName), analyticsTable: String(analytics.TableName) };
}

/** Event i: `users` users (spread over the index's shards) on `days` UTC days, two models. */
function event(prefix: string, i: number, users: number, days: number) {
  return {
    requestId: `${prefix}-${i}`,
    userId: `user-${i % users}`,
    modelId: MODELS[i % MODELS.length] as string,
    inputTokens: 1000 + (i % 977),
    outputTokens: 200 + (i % 313),
    operation: i % 3 === 0 ? 'chat' : 'summarize',
    timestamp: `2026-10-${String(1 + (Math.floor(i / users) % days)).padStart(2, '0')}T12:00:00Z`,
  };
}

/** The transaction of one event in a layout: `none` leaves the index keys off the day item. */
function transaction(tables: { usageTable: string; analyticsTable: string }, layout: Layout, raw: unknown) {
  const { prepared } = prepareEvent(raw, new Date('2026-10-31T00:00:00Z'));
  const [record] = buildTransactItems(tables, TENANT, [prepared]);
  const increments = aggregateIncrements(TENANT, [prepared]).map(({ key, adds, sets }) => ({
    Update: incrementUpdate(
      tables.analyticsTable,
      layout === 'none' || !sets ? { key, adds } : { key, adds, sets },
    ),
  }));
  return [record, ...increments] as NonNullable<
    ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
  >;
}

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
  return performance.now() - start;
}

/**
 * Measures on the DynamoDB at `endpoint` (tables of its own, named with a fresh prefix): `events`
 * events per layout in `rounds` alternating rounds, then the write units of `sample` events per
 * layout (on `sampleDays` days) written item by item into fresh tables.
 */
export async function benchTenantIndex(
  endpoint: string,
  options: {
    events?: number;
    users?: number;
    days?: number;
    concurrency?: number;
    rounds?: number;
    sample?: number;
    sampleDays?: number;
  } = {},
): Promise<TenantIndexFigures> {
  const events = options.events ?? 1200;
  const users = options.users ?? 64;
  const days = options.days ?? 4;
  const concurrency = options.concurrency ?? 8;
  const rounds = options.rounds ?? 4;
  const sample = options.sample ?? 640;
  const sampleDays = options.sampleDays ?? 1;
  const local = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const admin = new DynamoDBClient(local);
  const client: DynamoDBDocumentClient = createDocumentClient(local);
  const run = `ix${Date.now().toString(36)}`;
  try {
    const tables = Object.fromEntries(
      await Promise.all(LAYOUTS.map(async (l) => [l, await createTables(admin, `${run}${l}`, l)] as const)),
    ) as Record<Layout, { usageTable: string; analyticsTable: string }>;
    // Warm-up: connections, JIT, DynamoDB Local's first writes of each table.
    for (const layout of LAYOUTS) {
      await pool(
        Array.from({ length: 40 }, (_, i) =>
          transaction(tables[layout], layout, event(`warm-${layout}`, i, users, days)),
        ),
        concurrency,
        async (items) => void (await client.send(new TransactWriteCommand({ TransactItems: items }))),
      );
    }
    const ms: Record<Layout, number> = { none: 0, keys: 0, include: 0 };
    const per = Math.ceil(events / rounds);
    for (let r = 0; r < rounds; r++) {
      // The order of the layouts turns every round, so none of them always goes first.
      for (const layout of [...LAYOUTS.slice(r % 3), ...LAYOUTS.slice(0, r % 3)]) {
        const batch = Array.from({ length: per }, (_, k) =>
          transaction(tables[layout], layout, event(`run-${layout}`, r * per + k, users, days)),
        );
        ms[layout] += await pool(batch, concurrency, async (items) => {
          await client.send(new TransactWriteCommand({ TransactItems: items }));
        });
      }
    }
    const total = per * rounds;
    const eventsPerSecond = Object.fromEntries(LAYOUTS.map((l) => [l, (total / ms[l]) * 1000])) as Record<
      Layout,
      number
    >;

    const writeUnitsPerEvent = { none: 0, keys: 0, include: 0 } as Record<Layout, number>;
    for (const layout of LAYOUTS) {
      const fresh = await createTables(admin, `${run}w${layout}`, layout);
      let units = 0;
      for (let i = 0; i < sample; i++) {
        for (const item of transaction(fresh, layout, event(`wcu-${layout}`, i, users, sampleDays))) {
          units += await itemUnits(client, item as Parameters<typeof itemUnits>[1]);
        }
      }
      writeUnitsPerEvent[layout] = units / sample;
    }
    return {
      events: total,
      users,
      days,
      concurrency,
      eventsPerSecond,
      writeUnitsPerEvent,
      sampleEventsPerUserDay: sample / Math.min(sample, users * sampleDays),
    };
  } finally {
    admin.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startDynamoDbLocal } = await import('../local/dynamodb-local.js');
  const dynamo = await startDynamoDbLocal();
  try {
    const figures = await benchTenantIndex(dynamo.endpoint);
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    console.log(
      `${figures.events} single-event transactions per layout, ${figures.users} users on ${figures.days} days, concurrency ${figures.concurrency}`,
    );
    for (const layout of LAYOUTS) {
      console.log(
        `${layout.padEnd(8)} ${round(figures.eventsPerSecond[layout], 0)} events/s (ratio to none ${round(figures.eventsPerSecond[layout] / figures.eventsPerSecond.none, 3)}), ${round(figures.writeUnitsPerEvent[layout])} WCU/event at ${figures.sampleEventsPerUserDay} events per user and day`,
      );
    }
  } finally {
    await dynamo.stop();
  }
  process.exit(0);
}
