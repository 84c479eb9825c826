/**
 * Gives the items written before the tenant-wide indexes existed their index keys, once:
 * day items of the aggregates table (gsi1, `GET /users`) and breaches (gsi3, `GET /breaches`).
 * Items written since carry their keys already; running it twice indexes nothing the second time.
 *
 *   npm run index:backfill                     # the local runtime's tables (DYNAMODB_ENDPOINT, TABLE_PREFIX)
 *   TABLE_PREFIX=prod npm run index:backfill   # a deployed stage, with AWS credentials allowed to
 *                                              # Scan and UpdateItem both tables
 */
import { DynamoBreachStore } from '../lambdas/alerting/adapters/dynamo-breach-store.js';
import { documentClient } from '../lambdas/platform/dynamo-client.js';
import { physicalTableName, TABLES } from '../lambdas/platform/tables.js';
import { DynamoAggregateStore } from '../lambdas/usage/adapters/dynamo-aggregate-store.js';
import { runMain } from './run-main.js';

/** Indexes the unindexed day items and breaches of these tables (physical names). */
export async function backfillIndexes(tables: {
  analytics: string;
  breaches: string;
}): Promise<{ dayItems: number; breaches: number }> {
  const client = documentClient();
  const aggregates = new DynamoAggregateStore(client, tables.analytics);
  const breaches = new DynamoBreachStore(client, tables.breaches);
  const [days, opened] = await Promise.all([aggregates.indexDayItems(), breaches.indexAllByStatus()]);
  return { dayItems: days.indexed, breaches: opened.indexed };
}

async function main(): Promise<number> {
  const prefix = process.env.TABLE_PREFIX ?? '';
  const result = await backfillIndexes({
    analytics: physicalTableName(TABLES.tokenAnalytics, prefix),
    breaches: physicalTableName(TABLES.thresholdBreaches, prefix),
  });
  console.log(`indexed ${result.dayItems} day items and ${result.breaches} breaches`);
  return 0;
}

runMain(import.meta.url, main);
