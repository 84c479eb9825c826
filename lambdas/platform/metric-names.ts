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
  /** Usage events recorded without a price, with a `modelId` dimension (one data point per model and call). */
  unpricedEvents: 'UnpricedEvents',
  /** New breach records (one per threshold, period and level). */
  thresholdBreaches: 'ThresholdBreaches',
  /** Notifications delivered, and deliveries that failed after their retries. */
  alertsSent: 'AlertsSent',
  alertsFailed: 'AlertsFailed',
} as const;
