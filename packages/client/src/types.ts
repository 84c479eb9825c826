import type {
  AlertingConfigRequest,
  AlertingConfigResponse,
  AnalyticsQuery,
  AnalyticsResponse,
  AuditQuery,
  AuditResponse,
  AutoControlConfigResponse,
  AutoControlInitRequest,
  AutoControlStatusResponse,
  BenchmarksQuery,
  BenchmarksResponse,
  BreachListQuery,
  BreachListResponse,
  BreachResponse,
  CheckRequest,
  CheckResponse,
  ControlActionsQuery,
  ControlActionsResponse,
  CreateThresholdRequest,
  ErasureResponse,
  EstimateRequest,
  EstimateResponse,
  ExportQuery,
  ExportResponse,
  HealthResponse,
  InvocationLogsRequest,
  InvocationLogsResponse,
  ModelsResponse,
  PricesResponse,
  PriceVersionResponse,
  ProjectionsQuery,
  ProjectionsResponse,
  PutPriceRequest,
  PutPriceResponse,
  PutSettingsRequest,
  RecommendationsResponse,
  ReconciliationQuery,
  ReconciliationResponse,
  ReverseActionRequest,
  ReverseActionResponse,
  SettingsResponse,
  TenantBreachListQuery,
  TenantBreachListResponse,
  TenantUsersQuery,
  TenantUsersResponse,
  ThresholdListResponse,
  ThresholdResponse,
  ThresholdWriteResponse,
  TrackUsageBatchResponse,
  TrackUsageRequest,
  TrackUsageResponse,
  UnpricedResponse,
  UpdateThresholdRequest,
} from '@cost-management/contract';
import type { z } from 'zod/mini';

// Requests are typed by what the schemas accept (z.input), answers by what they produce (z.output).

/** A usage event; `requestId` is generated when missing. */
export type TrackUsageInput = Omit<z.input<typeof TrackUsageRequest>, 'requestId'> & { requestId?: string };
export type TrackUsageResult = z.output<typeof TrackUsageResponse>;
export type TrackUsageBatchResult = z.output<typeof TrackUsageBatchResponse>;

export type AnalyticsQueryInput = z.input<typeof AnalyticsQuery>;
export type Analytics = z.output<typeof AnalyticsResponse>;
export type ProjectionsQueryInput = z.input<typeof ProjectionsQuery>;
export type Projections = z.output<typeof ProjectionsResponse>;
export type Recommendations = z.output<typeof RecommendationsResponse>;
export type BenchmarksQueryInput = z.input<typeof BenchmarksQuery>;
export type Benchmarks = z.output<typeof BenchmarksResponse>;
/** Export query of the JSON pages (`format` is always `json` here). */
export type ExportQueryInput = Omit<z.input<typeof ExportQuery>, 'format'>;
export type ExportPage = z.output<typeof ExportResponse>;
export type ExportRecord = ExportPage['items'][number];
export type Models = z.output<typeof ModelsResponse>;
export type EstimateInput = z.input<typeof EstimateRequest>;
export type Estimate = z.output<typeof EstimateResponse>;
export type Health = z.output<typeof HealthResponse>;

export type ThresholdInput = z.input<typeof CreateThresholdRequest>;
export type ThresholdUpdateInput = z.input<typeof UpdateThresholdRequest>;
export type Threshold = z.output<typeof ThresholdResponse>;
/** A created or updated threshold, with `redacted`: the request fields personal data was taken out of. */
export type ThresholdWrite = z.output<typeof ThresholdWriteResponse>;
export type ThresholdList = z.output<typeof ThresholdListResponse>;
export type AlertingInput = z.input<typeof AlertingConfigRequest>;
export type Alerting = z.output<typeof AlertingConfigResponse>;
export type BreachQueryInput = z.input<typeof BreachListQuery>;
export type Breach = z.output<typeof BreachResponse>;
export type BreachList = z.output<typeof BreachListResponse>;
/** `GET /breaches`: every user's breaches, newest first; pass `nextCursor` back as `cursor`. */
export type TenantBreachQueryInput = z.input<typeof TenantBreachListQuery>;
export type TenantBreachPage = z.output<typeof TenantBreachListResponse>;
/** `GET /users`: the tenant's users by spend over a range of UTC days; pass `nextCursor` back as `cursor`. */
export type TenantUsersQueryInput = z.input<typeof TenantUsersQuery>;
export type TenantUsersPage = z.output<typeof TenantUsersResponse>;
export type TenantUser = TenantUsersPage['items'][number];

export type AutoControlInput = z.input<typeof AutoControlInitRequest>;
export type AutoControlConfig = z.output<typeof AutoControlConfigResponse>;
export type ControlStatus = z.output<typeof AutoControlStatusResponse>;
export type ControlLevel = ControlStatus['level'];
export type ReverseActionInput = z.input<typeof ReverseActionRequest>;
export type ReverseActionResult = z.output<typeof ReverseActionResponse>;
export type ControlActionsQueryInput = z.input<typeof ControlActionsQuery>;
export type ControlActionHistory = z.output<typeof ControlActionsResponse>;
export type CheckInput = z.input<typeof CheckRequest>;
export type CheckResult = z.output<typeof CheckResponse>;

export type PriceInput = z.input<typeof PutPriceRequest>;
export type PutPriceResult = z.output<typeof PutPriceResponse>;
export type PriceVersion = z.output<typeof PriceVersionResponse>;
export type PriceList = z.output<typeof PricesResponse>;
export type UnpricedUsage = z.output<typeof UnpricedResponse>;
export type InvocationLogsInput = z.input<typeof InvocationLogsRequest>;
export type InvocationLogsResult = z.output<typeof InvocationLogsResponse>;
export type ReconciliationQueryInput = z.input<typeof ReconciliationQuery>;
export type Reconciliation = z.output<typeof ReconciliationResponse>;
/** An erasure of a user (right to be forgotten) and its progress. */
export type Erasure = z.output<typeof ErasureResponse>;
export type ErasureStatus = Erasure['status'];

/** The tenant's retention: `usageDays` (raw usage records, 30–3650) and `historyDays`; fields left out keep their value. */
export type SettingsInput = z.input<typeof PutSettingsRequest>;
/** The tenant's data-protection settings, with the job that applies the latest retention change to stored items. */
export type Settings = z.output<typeof SettingsResponse>;
export type RetentionJob = NonNullable<Settings['retentionJob']>;
/** Where retained raw data begins, on analytics and JSON export answers (CSV: `x-retention-*` headers). */
export type RetentionNote = NonNullable<Analytics['retention']>;
export type AuditQueryInput = z.input<typeof AuditQuery>;
/** One page of the audit log of configuration changes, newest first. */
export type AuditPage = z.output<typeof AuditResponse>;
export type AuditEntry = AuditPage['items'][number];
