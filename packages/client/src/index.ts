export {
  COST_REQUEST_ID_METADATA_KEY,
  type CommandSender,
  type ConverseInput,
  type CostTrackingControls,
  type CostTrackingOptions,
  commandKind,
  estimateInputTokens,
  REQUEST_METADATA_MAX_ENTRIES,
  tagRequestMetadata,
  withCostTracking,
} from './bedrock-tracking.js';
export {
  type CostClient,
  type CostClientOptions,
  createCostClient,
  newRequestId,
  type TrackUsageEvent,
  withRequestId,
} from './cost-client.js';
export * from './errors.js';
export {
  DEFAULT_RETRY_POLICY,
  type FetchLike,
  parseRetryAfter,
  type RetryPolicy,
} from './http-transport.js';
export type * from './types.js';
export {
  type FlushResult,
  type TrackingErrorHandler,
  type TrackingStage,
  UsageReporter,
} from './usage-reporter.js';
