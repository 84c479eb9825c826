/**
 * Business metrics the handlers emit with Powertools Metrics (EMF) into the `CostManagement`
 * namespace, with only the default `service` dimension (`cost-management`), so that the
 * dashboard can chart them across every function. Plain data, importable from handlers.
 */
export const BUSINESS_METRICS = {
  /** USD priced for tracked usage (one data point per ingest call: the sum of its newly recorded events). */
  trackedCostUsd: 'TrackedCostUsd',
  inputTokens: 'InputTokens',
  outputTokens: 'OutputTokens',
  cacheReadInputTokens: 'CacheReadInputTokens',
  cacheWriteInputTokens: 'CacheWriteInputTokens',
  /**
   * Usage events recorded without a price: with a `modelId` dimension (one data point per model and
   * call), and without it (the total of the call), which the unpriced-usage alarm watches.
   */
  unpricedEvents: 'UnpricedEvents',
  /** Price versions a price sync added to the service scope (one data point per run that added some). */
  priceVersionsSynced: 'PriceVersionsSynced',
  /** Price sync runs that could not load the published genai-prices data and used the bundled data. */
  priceSyncFallbacks: 'PriceSyncFallbacks',
  /** New breach records (one per threshold, period and level). */
  thresholdBreaches: 'ThresholdBreaches',
  /** Notifications delivered, and deliveries that failed after their retries. */
  alertsSent: 'AlertsSent',
  alertsFailed: 'AlertsFailed',
  /**
   * Thresholds and active breaches a sweep worker's run could not evaluate or handle (one data
   * point per run that had any): they wait for the next sweep; an alarm watches it.
   */
  sweepFailures: 'SweepFailures',
  /** Thresholds a sweep worker's run evaluated (one data point per run). */
  sweepThresholds: 'SweepThresholds',
  /** Invocation log records captured from the deployed log delivery: newly recorded calls. */
  invocationLogRecorded: 'InvocationLogRecorded',
  /** Captured records whose call was recorded before (reported through the API, or delivered twice). */
  invocationLogDuplicates: 'InvocationLogDuplicates',
  /** Captured records that could not be read or routed to a tenant (an alarm watches it). */
  invocationLogBadRecords: 'InvocationLogBadRecords',
} as const;

/**
 * The unexplained gap of a reconciliation run in percent of the bill (absolute value, unit
 * Percent), one data point per tenant and run; an alarm compares it with the threshold.
 */
export const RECONCILIATION_GAP_METRIC = 'ReconciliationGap';
