import { type Catalog, isExpired, type Period, tryResolveModel } from '@cost-management/core';
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

/** Where a bounded run stopped: the model, and the index position after the last record read. */
export interface RepriceCursor {
  modelId: string;
  after?: Record<string, unknown>;
}

export interface RepriceBounds {
  /** Read at most this many waiting records (a request that must answer soon). */
  maxRecords?: number;
  /** Stop at the next page once this answers true (a function near its timeout). */
  shouldStop?: () => boolean;
  /** Continue where a bounded run stopped. */
  from?: RepriceCursor;
}

/**
 * Prices the tenant's records recorded without a price that its effective catalog now covers, at
 * the version in force at each record's timestamp. Each record is priced in one atomic write on
 * condition it is still unpriced, so concurrent runs count it once and a run that stops half-way
 * leaves the rest for the next. The ingest reactors then see the repriced records like new ones.
 * With `bounds`, the run stops between pages once it read `maxRecords` records or `shouldStop`
 * says so, and answers `next`: where a later run continues (models in order, then the index
 * position). Without `next`, every waiting record was read.
 */
export async function repriceUnpriced(
  deps: RepriceDeps,
  tenantId: string,
  now: Date,
  bounds: RepriceBounds = {},
): Promise<{ repriced: number; next?: RepriceCursor }> {
  const catalog = await deps.catalogOf(tenantId);
  const repriced: UsageRecord[] = [];
  let read = 0;
  let next: RepriceCursor | undefined;
  const spent = () =>
    (bounds.maxRecords !== undefined && read >= bounds.maxRecords) || (bounds.shouldStop?.() ?? false);
  try {
    const models = (await deps.unpriced.models(tenantId))
      .filter((m) => !bounds.from || m >= bounds.from.modelId)
      .sort();
    byModel: for (const [index, modelId] of models.entries()) {
      let after: Record<string, unknown> | undefined =
        bounds.from?.modelId === modelId ? bounds.from.after : undefined;
      do {
        if (spent()) {
          next = after ? { modelId, after } : { modelId };
          break byModel;
        }
        const limit = Math.min(PAGE, (bounds.maxRecords ?? Number.POSITIVE_INFINITY) - read);
        const page = await deps.unpriced.page(tenantId, modelId, { limit, ...(after ? { after } : {}) });
        after = page.after;
        read += page.records.length;
        // A model the catalog does not know at all (no version at any time) waits on: its records
        // are not read further (a record's id resolves like its model's other spellings).
        const first = page.records[0];
        if (first && !tryResolveModel(first.requestedModelId, catalog)) {
          after = undefined;
          break;
        }
        for (const record of page.records) {
          // Past its retention: no longer the tenant's data to price (its summary day expires with it).
          if (isExpired(record.expiresAt, now.toISOString())) continue;
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
      const following = models[index + 1];
      if (following !== undefined && spent()) {
        next = { modelId: following };
        break;
      }
    }
  } finally {
    // What was priced before a failure still gets its threshold and control checks.
    if (repriced.length > 0) {
      for (const reactor of deps.reactors ?? []) await reactor(tenantId, repriced, now);
    }
  }
  return { repriced: repriced.length, ...(next ? { next } : {}) };
}
