/**
 * Price sync: adds the genai-prices Bedrock versions the service does not have yet (new models, new
 * dated versions) to the service scope of the price table, never rewriting a stored version, and
 * prints what changed. Reads the installed `@pydantic/genai-prices` package (offline).
 * Run with `npm run prices:sync` against the running local runtime's DynamoDB
 * (`DYNAMODB_ENDPOINT`, default http://localhost:8000; `MODEL_PRICES_TABLE` to name the table).
 */
import { DEFAULT_CATALOG, effectiveMillis, mergeCatalog, tryResolveModel } from '@cost-management/core';
import { createDocumentClient } from '../lambdas/platform/dynamo-client.js';
import { TABLES } from '../lambdas/platform/tables.js';
import { DynamoPriceStore } from '../lambdas/pricing/adapters/dynamo-price-store.js';
import { SERVICE_SCOPE } from '../lambdas/pricing/ports/price-store.js';
import { UNDATED_FROM } from '../packages/core/src/pricing/overlay.js';
import { buildCatalogData } from './prices-build.js';

export async function syncPrices(store: DynamoPriceStore, now: Date): Promise<string[]> {
  const stored = await store.list(SERVICE_SCOPE);
  const catalog = mergeCatalog(DEFAULT_CATALOG, stored);
  const added: string[] = [];
  for (const model of buildCatalogData().models) {
    const known = tryResolveModel(model.modelId, catalog);
    const have = new Set((known?.model.prices ?? []).map((p) => effectiveMillis(p.effectiveFrom)));
    for (const version of model.versions) {
      const effectiveFrom = version.effectiveFrom ?? UNDATED_FROM;
      if (have.has(effectiveMillis(effectiveFrom))) continue;
      const wrote = await store.add(SERVICE_SCOPE, {
        modelId: known?.model.modelId ?? model.modelId,
        effectiveFrom,
        source: 'sync',
        note: 'price sync (genai-prices)',
        rates: version.rates,
        ...(version.globalRates ? { globalRates: version.globalRates } : {}),
        createdAt: now.toISOString(),
      });
      if (wrote) added.push(`${known?.model.modelId ?? model.modelId} from ${effectiveFrom}`);
    }
  }
  return added;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.DYNAMODB_ENDPOINT ??= 'http://localhost:8000';
  const table = process.env.MODEL_PRICES_TABLE ?? TABLES.modelPrices.name;
  const added = await syncPrices(new DynamoPriceStore(createDocumentClient(), table), new Date());
  for (const line of added) console.info(`added ${line}`);
  console.info(`price sync: ${added.length} new service-scope versions in ${table}`);
}
