import { type Catalog, type Period, tryResolveModel } from '@cost-management/core';
import type { IngestReactor } from '../ports/ingest-reactor.js';
import type { RepricingStore, UnpricedRecords, UsageRecord } from '../ports/usage-store.js';
import { priceOrUnpriced } from './track-usage.js';

export interface RepriceDeps {
  unpriced: UnpricedRecords;
  store: RepricingStore;
  catalogOf: (tenantId: string) => Promise<Catalog>;
  /** The further periods a record counts in (as on ingest). */
  extraAggregates?: (tenantId: string, record: UsageRecord) => Promise<Period[]>;
  /** The ingest reactors (threshold detection, cost control), run for the repriced records. */
  reactors?: IngestReactor[];
}

const PAGE = 100;

/**
 * Prices the tenant's records recorded without a price that its effective catalog now covers, at
 * the version in force at each record's timestamp. Each record is priced in one atomic write on
 * condition it is still unpriced, so concurrent runs count it once and a run that stops half-way
 * leaves the rest for the next. The ingest reactors then see the repriced records like new ones.
 */
export async function repriceUnpriced(
  deps: RepriceDeps,
  tenantId: string,
  now: Date,
): Promise<{ repriced: number }> {
  const catalog = await deps.catalogOf(tenantId);
  const repriced: UsageRecord[] = [];
  try {
    for (const modelId of await deps.unpriced.models(tenantId)) {
      let after: Record<string, unknown> | undefined;
      do {
        const page = await deps.unpriced.page(tenantId, modelId, {
          limit: PAGE,
          ...(after ? { after } : {}),
        });
        after = page.after;
        // A model the catalog does not know at all (no version at any time) waits on: its records
        // are not read further (a record's id resolves like its model's other spellings).
        const first = page.records[0];
        if (first && !tryResolveModel(first.requestedModelId, catalog)) break;
        for (const record of page.records) {
          const outcome = priceOrUnpriced(
            {
              modelId: record.requestedModelId,
              at: record.timestamp,
              usage: {
                inputTokens: record.inputTokens,
                outputTokens: record.outputTokens,
                cacheReadInputTokens: record.cacheReadInputTokens,
                cacheWriteInputTokens: record.cacheWriteInputTokens,
              },
            },
            catalog,
          );
          if ('unpricedModelId' in outcome) continue;
          const periods = deps.extraAggregates ? await deps.extraAggregates(tenantId, record) : [];
          const price = {
            costNano: outcome.costNano,
            breakdown: outcome.breakdown,
            priceVersion: outcome.priceVersion,
          };
          if (await deps.store.reprice(tenantId, record, price, periods)) {
            const { priced: _unpriced, ...rest } = record;
            repriced.push({ ...rest, ...price });
          }
        }
      } while (after);
    }
  } finally {
    // What was priced before a failure still gets its threshold and control checks.
    if (repriced.length > 0) {
      for (const reactor of deps.reactors ?? []) await reactor(tenantId, repriced, now);
    }
  }
  return { repriced: repriced.length };
}
