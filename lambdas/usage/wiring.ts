import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { S3Client } from '@aws-sdk/client-s3';
import { firstRetainedDay, oldestRetainedInstant } from '@cost-management/core';
import { documentClient } from '../platform/dynamo-client.js';
import type { RetentionPolicy } from '../privacy/ports/settings-store.js';
import { CostExplorerBill } from './adapters/cost-explorer-bill.js';
import { DynamoAggregateStore } from './adapters/dynamo-aggregate-store.js';
import { DynamoBenchmarkStore, DynamoExpiringStore } from './adapters/dynamo-read-stores.js';
import { DynamoReconciliationStore } from './adapters/dynamo-reconciliation-store.js';
import { DynamoUsageRecords } from './adapters/dynamo-usage-records.js';
import { DynamoUsageStore } from './adapters/dynamo-usage-store.js';
import { DynamoUsageDataEraser } from './adapters/dynamo-user-data-eraser.js';
import { S3LogObjects } from './adapters/s3-log-objects.js';
import type { PriceUseUpdate } from './ports/usage-store.js';

/** Adapters built from a function's validated environment, once per cold start. */
export function usageStore(
  env: {
    TOKEN_USAGE_TABLE: string;
    TOKEN_ANALYTICS_TABLE: string;
  },
  priceUse?: PriceUseUpdate,
): DynamoUsageStore {
  return new DynamoUsageStore(
    documentClient(),
    {
      usageTable: env.TOKEN_USAGE_TABLE,
      analyticsTable: env.TOKEN_ANALYTICS_TABLE,
    },
    priceUse,
  );
}

/**
 * The aggregates: analytics reads, and the spend of periods that the alerting and control
 * contexts read through their own ports (wired by the composition roots).
 */
export const aggregateStore = (env: { TOKEN_ANALYTICS_TABLE: string }) =>
  new DynamoAggregateStore(documentClient(), env.TOKEN_ANALYTICS_TABLE);

export const aggregateReader = aggregateStore;

/**
 * The tenant's usage waiting for a price: the summaries and the sparse index of its records. With
 * the tenant's `retention`, records past it (and the days of them) are left out.
 */
export function unpricedReader(
  env: { TOKEN_USAGE_TABLE: string; TOKEN_ANALYTICS_TABLE: string },
  retention?: RetentionPolicy,
) {
  const aggregates = aggregateStore(env);
  const records = usageRecordReader(env);
  const usageDays = async (tenantId: string) => (await retention?.retentionOf(tenantId))?.usageDays;
  return {
    summaries: async (tenantId: string) => {
      const days = await usageDays(tenantId);
      const now = new Date().toISOString();
      return aggregates.unpriced(tenantId, days === undefined ? undefined : firstRetainedDay(now, days));
    },
    span: async (tenantId: string, modelId: string) => {
      const days = await usageDays(tenantId);
      const now = new Date().toISOString();
      return records.unpricedSpan(
        tenantId,
        modelId,
        days === undefined ? undefined : oldestRetainedInstant(now, days),
      );
    },
  };
}

export const usageRecordReader = (env: { TOKEN_USAGE_TABLE: string }) =>
  new DynamoUsageRecords(documentClient(), env.TOKEN_USAGE_TABLE);

export const analyticsCache = (env: { ANALYTICS_CACHE_TABLE: string }) =>
  new DynamoExpiringStore(documentClient(), env.ANALYTICS_CACHE_TABLE);

export const patternStore = (env: { USAGE_PATTERNS_TABLE: string }) =>
  new DynamoExpiringStore(documentClient(), env.USAGE_PATTERNS_TABLE);

export const benchmarkStore = (env: { BENCHMARKS_TABLE: string }) =>
  new DynamoBenchmarkStore(documentClient(), env.BENCHMARKS_TABLE);

/** Reconciliation rows, kept under their own prefix in the monitoring table (see docs/CAPTURE.md). */
export const reconciliationStore = (env: { COST_MONITORING_TABLE: string }) =>
  new DynamoReconciliationStore(documentClient(), env.COST_MONITORING_TABLE);

/** Tracked daily cost per model for reconciliation: the aggregate store, which alone reads day items. */
export const trackedCosts = (env: { TOKEN_ANALYTICS_TABLE: string }) => aggregateStore(env);

/** The tenant's records waiting for a price: the models of its summary, then each model's records. */
export function unpricedRecords(env: { TOKEN_USAGE_TABLE: string; TOKEN_ANALYTICS_TABLE: string }) {
  const aggregates = aggregateStore(env);
  const records = usageRecordReader(env);
  return {
    models: async (tenantId: string) => (await aggregates.unpriced(tenantId)).map((s) => s.modelId),
    page: (tenantId: string, modelId: string, page: { limit: number; after?: Record<string, unknown> }) =>
      records.unpricedRecords(tenantId, modelId, page),
  };
}

/** What the usage context holds of a user, for erasure: records, aggregates, cached analytics and patterns. */
export const usageDataEraser = (env: {
  TOKEN_USAGE_TABLE: string;
  TOKEN_ANALYTICS_TABLE: string;
  ANALYTICS_CACHE_TABLE: string;
  USAGE_PATTERNS_TABLE: string;
}) =>
  new DynamoUsageDataEraser({
    client: documentClient(),
    usageTable: env.TOKEN_USAGE_TABLE,
    analyticsTable: env.TOKEN_ANALYTICS_TABLE,
    aggregates: aggregateStore(env),
    cache: analyticsCache(env),
    patterns: patternStore(env),
  });
/** The expiry rewriters of the usage context's items that expire (retention jobs): records, then unpriced summaries. */
export const usageExpiry = (env: { TOKEN_USAGE_TABLE: string; TOKEN_ANALYTICS_TABLE: string }) => [
  usageRecordReader(env),
  aggregateStore(env).unpricedExpiry(),
];

/** The objects of the invocation-log delivery bucket (the deployed capture's S3 path). */
export const logObjectReader = () => new S3LogObjects(new S3Client({ maxAttempts: 3 }));

/** The bill through Cost Explorer, for the scheduled reconciliation (its quota is low: back off more). */
export const billReader = () => new CostExplorerBill(new CostExplorerClient({ maxAttempts: 5 }));
