/**
 * Price sync against the local runtime's DynamoDB: adds the genai-prices Bedrock versions the
 * service lacks (new models, new dated versions) to the service scope of the price table, never
 * rewriting a stored version, records the run, and reprices the usage waiting for a price.
 *
 *   npm run prices:sync                 the published genai-prices data file where the network
 *                                       allows, else the installed @pydantic/genai-prices package
 *   npm run prices:sync -- --offline    the installed package only
 *   npm run prices:sync -- --runs [N]   the last N runs (default 5), newest first
 *
 * `DYNAMODB_ENDPOINT` is the endpoint `npm start` prints, `TABLE_PREFIX` as the runtime was started
 * with, `PRICE_DATA_URL` another data file. Breaches a repricing causes are published by the
 * runtime's sweep (this process has no event bus).
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repriceWaitingDeps } from '../lambdas/functions/ingest-wiring.js';
import { spec } from '../lambdas/functions/price-sync-environment.js';
import { loadEnvironment } from '../lambdas/platform/function-spec.js';
import {
  PUBLISHED_PRICE_DATA_URL,
  PublishedPriceSource,
  StaticPriceSource,
} from '../lambdas/pricing/adapters/price-sources.js';
import type { PriceSource } from '../lambdas/pricing/ports/price-source.js';
import type { PriceSyncRun } from '../lambdas/pricing/ports/price-sync-runs.js';
import { syncPrices } from '../lambdas/pricing/use-cases/sync-prices.js';
import { effectiveCatalog, priceStore, priceSyncRuns } from '../lambdas/pricing/wiring.js';
import { repriceWaitingUsage } from '../lambdas/usage/use-cases/reprice-waiting.js';
import { tableEnvironment } from '../local/create-tables.js';
import { buildCatalogData } from './prices-build.js';
import { runMain } from './run-main.js';

/** The installed `@pydantic/genai-prices` package's Bedrock data, converted. */
export function installedPackageSource(): PriceSource {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@pydantic/genai-prices');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return new StaticPriceSource({
    data: buildCatalogData(),
    origin: 'package',
    location: `@pydantic/genai-prices ${version} (installed)`,
  });
}

export interface PriceSyncOptions {
  tablePrefix?: string;
  /** The published data file to try first; none: the installed package only. */
  url?: string;
  source?: PriceSource;
  fetch?: typeof fetch;
}

/** One price sync against the tables of a local runtime (its process environment names DynamoDB). */
export async function runPriceSync(options: PriceSyncOptions = {}): Promise<PriceSyncRun> {
  const env = loadEnvironment(spec, { ...tableEnvironment(options.tablePrefix), PRICE_DATA_URL: '' });
  const installed = options.source ?? installedPackageSource();
  const source = options.url
    ? new PublishedPriceSource(options.url, installed, {
        timeoutMs: 10_000,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
    : installed;
  const reprice = repriceWaitingDeps(env);
  return syncPrices(
    {
      source,
      store: priceStore(env),
      runs: priceSyncRuns(env),
      forgetAll: effectiveCatalog(env).forgetAll,
      reprice: () => repriceWaitingUsage(reprice, new Date()),
    },
    new Date(),
  );
}

/** The lines an operator reads for one run. */
export function describeRun(run: PriceSyncRun): string[] {
  const lines = [
    `price sync ${run.startedAt}: ${run.added.length} new service-scope versions (${run.newModels.length} new models) from ${run.location}`,
  ];
  if (run.fallbackReason) lines.push(`  fallback: ${run.fallbackReason}`);
  for (const a of run.added) lines.push(`  added ${a.modelId} from ${a.effectiveFrom}`);
  for (const d of run.differing) {
    lines.push(`  kept ${d.version}: the data prices ${d.modelId} from ${d.effectiveFrom} differently`);
  }
  for (const s of run.skipped) lines.push(`  skipped ${s.modelId}: ${s.reason}`);
  lines.push(
    'error' in run.repricing
      ? `  repricing failed: ${run.repricing.error}`
      : `  repriced ${run.repricing.repriced} waiting events (tenants with waiting usage: ${run.repricing.tenants})`,
  );
  return lines;
}

async function main(args: string[]): Promise<number> {
  // As in the local runtime: EMF lines are for CloudWatch, and Node 20 runs the scripts.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (!process.env.DYNAMODB_ENDPOINT) {
    console.error('Set DYNAMODB_ENDPOINT to the DynamoDB endpoint `npm start` prints.');
    return 2;
  }
  const tablePrefix = process.env.TABLE_PREFIX;
  const runsAt = args.indexOf('--runs');
  if (runsAt >= 0) {
    const limit = Number(args[runsAt + 1] ?? 5);
    const env = loadEnvironment(spec, { ...tableEnvironment(tablePrefix), PRICE_DATA_URL: '' });
    for (const run of await priceSyncRuns(env).recent(Number.isInteger(limit) && limit > 0 ? limit : 5)) {
      for (const line of describeRun(run)) console.info(line);
    }
    return 0;
  }
  const url = args.includes('--offline')
    ? undefined
    : (process.env.PRICE_DATA_URL ?? PUBLISHED_PRICE_DATA_URL);
  const run = await runPriceSync({ ...(tablePrefix ? { tablePrefix } : {}), ...(url ? { url } : {}) });
  for (const line of describeRun(run)) console.info(line);
  return 0;
}

runMain(import.meta.url, main);
