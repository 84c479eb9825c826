/**
 * Write cost of ingest: tracks a mixed set of events over HTTP and sums the write units DynamoDB
 * reports for every transaction (`ReturnConsumedCapacity: 'INDEXES'`, so index writes count too),
 * and the items each transaction writes.
 */
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/platform/dynamo-client.js';

/**
 * The same measurement on the layout before the aggregate store (idempotency marker with a copy of
 * the record, record, day total, day×model, day×operation, UTC week, UTC month and all-time items
 * in one transaction), taken with this module on commit a5f3d47 against DynamoDB Local: 200
 * events of the same mix, 110 transactions.
 */
export const WRITES_BEFORE = { writeUnitsPerEvent: 14.11, itemsPerEvent: 7.06 } as const;

const MODELS = ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0'];
const OPERATIONS = ['chat', 'summarize', 'classify'];

/** Event i of the mix: two models, two of three with an operation, over a week of days. */
function mixedEvent(prefix: string, i: number) {
  return {
    requestId: `${prefix}-${i}`,
    userId: `${prefix}-user-${i % 5}`,
    modelId: MODELS[i % MODELS.length] as string,
    inputTokens: 1000 + (i % 977),
    outputTokens: 200 + (i % 313),
    ...(i % 3 === 0 ? {} : { operation: OPERATIONS[i % OPERATIONS.length] as string }),
    timestamp: `2026-10-${String(1 + (i % 7)).padStart(2, '0')}T12:00:00Z`,
  };
}

export interface WriteCost {
  events: number;
  transactions: number;
  writeUnitsPerEvent: number;
  itemsPerEvent: number;
}

interface TransactItem {
  Put?: Record<string, unknown>;
  Update?: Record<string, unknown>;
}
interface Consumed {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

/**
 * Write units of one transaction item. DynamoDB Local reports one item's units per table for a
 * whole transaction, so each item is written on its own with `ReturnConsumedCapacity: 'INDEXES'`
 * (same condition, same order) and its table units doubled, as DynamoDB bills transactional
 * writes; index writes are billed once.
 */
export async function itemUnits(client: DynamoDBDocumentClient, item: TransactItem): Promise<number> {
  const marshalled = JSON.stringify(item).includes('{"S":');
  let consumed: Consumed | undefined;
  if (item.Put) {
    const input = { ...item.Put, ReturnConsumedCapacity: 'INDEXES' } as never;
    consumed = (
      marshalled ? await client.send(new PutItemCommand(input)) : await client.send(new PutCommand(input))
    ).ConsumedCapacity as Consumed | undefined;
  } else if (item.Update) {
    const input = { ...item.Update, ReturnConsumedCapacity: 'INDEXES' } as never;
    consumed = (
      marshalled
        ? await client.send(new UpdateItemCommand(input))
        : await client.send(new UpdateCommand(input))
    ).ConsumedCapacity as Consumed | undefined;
  } else throw new Error('only Put and Update are measured');
  const table = consumed?.Table?.CapacityUnits ?? consumed?.CapacityUnits ?? 0;
  const indexes = Object.values(consumed?.GlobalSecondaryIndexes ?? {}).reduce(
    (sum, i) => sum + (i.CapacityUnits ?? 0),
    0,
  );
  return 2 * table + indexes;
}

/**
 * Sends `events` events (half one by one, half in batches of 10) and returns the write units and
 * transaction items per event. `client` must be the client the handlers use (in-process runtime);
 * while this runs, its transactions are written item by item (see {@link itemUnits}).
 */
export async function measureWriteCost(
  client: DynamoDBDocumentClient,
  post: (path: string, body: unknown) => Promise<number>,
  events = 200,
  prefix = 'wcu',
): Promise<WriteCost> {
  let units = 0;
  let items = 0;
  let transactions = 0;
  const name = 'measureWriteUnits';
  const writer = createDocumentClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!String(context.commandName).startsWith('TransactWrite')) return next(args);
      const input = args.input as { TransactItems?: TransactItem[] };
      transactions++;
      for (const item of input.TransactItems ?? []) {
        items++;
        units += await itemUnits(writer, item);
      }
      return { output: { $metadata: {} }, response: {} } as never;
    },
    { step: 'initialize', name },
  );
  try {
    const all = Array.from({ length: events }, (_, i) => mixedEvent(prefix, i));
    const single = all.slice(0, events / 2);
    const batched = all.slice(events / 2);
    for (const e of single) {
      if ((await post('/track-usage', e)) !== 201) throw new Error('ingest failed');
    }
    for (let i = 0; i < batched.length; i += 10) {
      if ((await post('/track-usage/batch', { events: batched.slice(i, i + 10) })) !== 200) {
        throw new Error('batch ingest failed');
      }
    }
  } finally {
    client.middlewareStack.remove(name);
  }
  return { events, transactions, writeUnitsPerEvent: units / events, itemsPerEvent: items / events };
}
