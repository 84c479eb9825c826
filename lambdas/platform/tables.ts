/**
 * The thirteen tables, as plain data. The CDK data stack and the local runtime's table
 * creation both read this list, so the deployed and the local schema cannot drift.
 *
 * Every item uses generic key attributes (`pk`, `sk`, and `gsiNpk`/`gsiNsk` on indexes).
 * Every base-table partition key starts with `T#<tenant>`; service-wide rows (benchmark
 * reference data, sweep bookkeeping) use reserved tenants that start with `_`, which no
 * API key can carry.
 */
export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey?: string;
  /** What the index serves. */
  purpose: string;
  /** Attributes the index copies: every one (default), or the keys only. */
  projection?: 'all' | 'keys-only';
}

export interface TableDefinition {
  /** Logical id: the seed's physical table name (a stage prefix may be added). */
  name: string;
  /** Environment variable that carries the physical name to a function. */
  envVar: string;
  description: string;
  partitionKey: 'pk';
  sortKey: 'sk';
  indexes: IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry, where items expire. */
  ttlAttribute?: string;
  /** How long items live when they expire, for documentation and tests. */
  ttlSeconds?: number;
  /** Raw financial records and audit trails are deletion-protected and retained. */
  retain: boolean;
  /**
   * Encrypted with a customer-managed KMS key of its own (rotated), which only the functions
   * bound to the table may use, and only through DynamoDB: for tables that hold contacts.
   */
  ownKey?: boolean;
}

const HOUR = 3600;

export const TABLES = {
  tokenUsage: {
    name: 'bedrock_token_usage',
    envVar: 'TOKEN_USAGE_TABLE',
    description:
      "Raw usage records, each its own idempotency marker (pk T#tenant#REQ#requestId, sk R); a user's records by time via gsi1; records waiting for a price via the sparse gsi2.",
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      {
        name: 'gsi1',
        partitionKey: 'gsi1pk',
        sortKey: 'gsi1sk',
        purpose: 'records of one user in time order (export, period backfill)',
      },
      {
        name: 'gsi2',
        partitionKey: 'gsi2pk',
        sortKey: 'gsi2sk',
        purpose: 'sparse: records waiting for a price, by tenant and model in time order (repricing)',
      },
    ],
    // Each record expires the tenant's usage retention after its own timestamp (privacy settings).
    ttlAttribute: 'expiresAt',
    retain: true,
  },
  tokenAnalytics: {
    name: 'bedrock_token_analytics',
    envVar: 'TOKEN_ANALYTICS_TABLE',
    description:
      'Aggregates per user: one item per UTC day with its per-model and per-operation counters (sk D#day), and period totals (sk P#kind#zone#key); per tenant, usage waiting for a price by model and day (pk T#tenant#UNPRICED). The sparse, keys-only gsi1 holds two kinds of entries: the day items of a tenant by user shard and day (gsi1pk T#tenant#DS#shard, tenant-wide user lists) and the unpriced summaries across tenants (gsi1pk T#_service#UNPRICED, repricing after a price sync).',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      {
        name: 'gsi1',
        partitionKey: 'gsi1pk',
        sortKey: 'gsi1sk',
        purpose:
          "sparse, keys only: the day items of a tenant's users by user shard, then UTC day and user (tenant-wide user lists; write-sharded); and, under the reserved gsi1pk T#_service#UNPRICED, the tenants and models with usage waiting for a price (repricing after a price sync)",
        projection: 'keys-only',
      },
    ],
    // Aggregates never expire; only the per-day summaries of records waiting for a price do, with those records.
    ttlAttribute: 'expiresAt',
    retain: true,
  },
  costThresholds: {
    name: 'bedrock_cost_thresholds',
    envVar: 'COST_THRESHOLDS_TABLE',
    description:
      'Thresholds (pk T#tenant, sk TH#id); by user via gsi1; enabled ones via the sparse gsi2 shard index.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      {
        name: 'gsi1',
        partitionKey: 'gsi1pk',
        sortKey: 'gsi1sk',
        purpose: 'thresholds of one user (API, ingest)',
      },
      {
        name: 'gsi2',
        partitionKey: 'gsi2pk',
        sortKey: 'gsi2sk',
        purpose: 'enabled thresholds by shard (sweep)',
      },
    ],
    retain: true,
  },
  thresholdBreaches: {
    name: 'bedrock_threshold_breaches',
    envVar: 'THRESHOLD_BREACHES_TABLE',
    description:
      'Breaches, one per threshold, period and level (pk T#tenant, sk B#…); by user via gsi1; open via gsi2; by tenant and status via gsi3.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      {
        name: 'gsi1',
        partitionKey: 'gsi1pk',
        sortKey: 'gsi1sk',
        purpose: 'breaches of one user, newest first',
      },
      {
        name: 'gsi2',
        partitionKey: 'gsi2pk',
        sortKey: 'gsi2sk',
        purpose: 'open breaches by shard (escalation, resolution)',
      },
      {
        name: 'gsi3',
        partitionKey: 'gsi3pk',
        sortKey: 'gsi3sk',
        purpose: 'breaches of a tenant by status, newest first (tenant-wide breach list)',
      },
    ],
    // A breach expires the tenant's history retention after the end of its period.
    ttlAttribute: 'expiresAt',
    retain: true,
  },
  alertingConfig: {
    name: 'bedrock_alerting_config',
    envVar: 'ALERTING_CONFIG_TABLE',
    description: 'Alert channels and escalation per user (pk T#tenant#U#user, sk ALERTING).',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    retain: true,
    // Contacts (e-mail, phone, webhook URL): a key of the table's own.
    ownKey: true,
  },
  usagePatterns: {
    name: 'bedrock_usage_patterns',
    envVar: 'USAGE_PATTERNS_TABLE',
    description: 'Usage pattern classification per user, kept 7 days.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    ttlAttribute: 'expiresAt',
    ttlSeconds: 7 * 24 * HOUR,
    retain: false,
  },
  analyticsCache: {
    name: 'bedrock_analytics_cache',
    envVar: 'ANALYTICS_CACHE_TABLE',
    description: 'Computed analytics results, kept 24 hours.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    ttlAttribute: 'expiresAt',
    ttlSeconds: 24 * HOUR,
    retain: false,
  },
  benchmarks: {
    name: 'bedrock_benchmarks',
    envVar: 'BENCHMARKS_TABLE',
    description:
      'Industry benchmark reference data (pk T#_global#IND#industry, sk TIER#tier), populated at deploy.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    retain: false,
  },
  autoControlConfig: {
    name: 'bedrock_auto_control_config',
    envVar: 'AUTO_CONTROL_CONFIG_TABLE',
    description:
      'Auto-control config and live state per user (pk T#tenant#U#user); enabled ones via gsi1 for the sweep.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      {
        name: 'gsi1',
        partitionKey: 'gsi1pk',
        sortKey: 'gsi1sk',
        purpose: 'enabled configs by shard (sweep)',
      },
    ],
    retain: true,
  },
  controlActions: {
    name: 'bedrock_control_actions',
    envVar: 'CONTROL_ACTIONS_TABLE',
    description:
      'Audit trail of applied and reversed control actions (pk T#tenant, sk A#id); by user via gsi1.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      {
        name: 'gsi1',
        partitionKey: 'gsi1pk',
        sortKey: 'gsi1sk',
        purpose: 'history of one user, newest first',
      },
    ],
    // An entry expires the tenant's history retention after it was written.
    ttlAttribute: 'expiresAt',
    retain: true,
  },
  modelPrices: {
    name: 'bedrock_model_prices',
    envVar: 'MODEL_PRICES_TABLE',
    description:
      "Price versions added after the build (pricing context): a tenant's own (pk T#tenant) and the service scope's from a price sync (pk T#_service); sk V#modelId#effectiveFrom. Never rewritten.",
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    retain: true,
  },
  dataProtection: {
    name: 'bedrock_data_protection',
    envVar: 'DATA_PROTECTION_TABLE',
    description:
      "Privacy context: a tenant's settings (pk T#tenant, sk SETTINGS), audit entries of configuration changes (pk T#tenant#AUDIT, sk at#id; append-only), erasure jobs (pk T#tenant, sk E#id), their per-user markers (sk EU#digest) and the list of open jobs (pk T#_system#ERASURES), retention jobs (pk T#_retention, sk tenant; run by the sweep). Audit entries and erasure records expire with the tenant's history retention.",
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    ttlAttribute: 'expiresAt',
    retain: true,
  },
  costMonitoring: {
    name: 'bedrock_cost_monitoring',
    envVar: 'COST_MONITORING_TABLE',
    description: 'Sweep runs and monitoring state (pk T#_system#…).',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    retain: false,
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof TABLES;

export const TABLE_LIST: readonly TableDefinition[] = Object.values(TABLES);

/** Physical name of a table for a stage: `bedrock_token_usage` or `dev_bedrock_token_usage`. */
export function physicalTableName(table: TableDefinition, prefix = ''): string {
  return prefix ? `${prefix}_${table.name}` : table.name;
}
