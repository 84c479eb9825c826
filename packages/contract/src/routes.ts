import * as z from 'zod/mini';
import {
  AlertingConfigRequest,
  AlertingConfigResponse,
  BreachListQuery,
  BreachListResponse,
  BreachResponse,
  CreateThresholdRequest,
  TenantBreachListQuery,
  TenantBreachListResponse,
  ThresholdListResponse,
  ThresholdWriteResponse,
  UpdateThresholdRequest,
} from './alerting.js';
import {
  AnalyticsQuery,
  AnalyticsResponse,
  BenchmarksQuery,
  BenchmarksResponse,
  ExportResponse,
  ProjectionsQuery,
  ProjectionsResponse,
  RecommendationsResponse,
} from './analytics.js';
import {
  AutoControlConfigResponse,
  AutoControlInitRequest,
  AutoControlStatusResponse,
  CheckRequest,
  CheckResponse,
  ControlActionsQuery,
  ControlActionsResponse,
  ReverseActionRequest,
  ReverseActionResponse,
} from './control.js';
import {
  DeletePriceQuery,
  EstimateRequest,
  EstimateResponse,
  ModelsResponse,
  PricesResponse,
  PutPriceRequest,
  PutPriceResponse,
} from './pricing.js';
import { ErrorEnvelope } from './primitives.js';
import {
  AuditQuery,
  AuditResponse,
  ErasureResponse,
  PutSettingsRequest,
  SettingsResponse,
} from './privacy.js';
import {
  ExportQuery,
  InvocationLogsRequest,
  InvocationLogsResponse,
  ReconciliationQuery,
  ReconciliationResponse,
  TenantUsersQuery,
  TenantUsersResponse,
  TrackUsageBatchRequest,
  TrackUsageBatchResponse,
  TrackUsageRequest,
  TrackUsageResponse,
  UnpricedResponse,
} from './usage.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The bounded context that serves a route: the deployed API sends it to that context's function,
 * the local runtime to the same handler, and the OpenAPI document tags it with the context.
 */
export const ROUTE_CONTEXTS = ['platform', 'usage', 'pricing', 'alerting', 'control', 'privacy'] as const;
export type RouteContext = (typeof ROUTE_CONTEXTS)[number];

/**
 * The role of an API key: `admin` may do everything, `ingest` (product backends) tracks usage,
 * asks `/check` and reads the catalog, `viewer` reads everything and acknowledges breaches.
 */
export const API_ROLES = ['admin', 'ingest', 'viewer'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** One operation of the REST contract, under the base path. */
export interface ContractRoute {
  method: HttpMethod;
  /** API Gateway style template, e.g. `/analytics/{userId}`. */
  path: string;
  /** The bounded context (and so the Lambda function) that serves the route; also its OpenAPI tag. */
  context: RouteContext;
  summary: string;
  /** false only for `/health`. */
  auth: boolean;
  /**
   * The roles that may call the route; without it, a GET is for `admin` and `viewer` and any
   * other method for `admin` only (see `rolesOf`). Ignored when `auth` is false.
   */
  roles?: readonly ApiRole[];
  body?: z.ZodMiniType;
  query?: z.ZodMiniObject;
  /** Success status and the schema of its JSON body (null: no body). */
  success: { status: number; schema: z.ZodMiniType | null; contentType?: string };
  /**
   * Statuses this route answers besides `success` and the errors every route may answer: a 2xx
   * carries the success schema, any other the error envelope.
   */
  otherResponses?: Record<string, string>;
}

const NOT_FOUND = 'NOT_FOUND: unknown id, or an id of another tenant.';

export const BASE_PATH = '/api/cost-management';

export const HealthResponse = z.object({ status: z.literal('ok') });

/**
 * Every route the service serves. The local runtime and the deployed API dispatch exactly
 * these (a test keeps the handler table and this list equal), and the OpenAPI document is
 * generated from it.
 */
export const CONTRACT_ROUTES: readonly ContractRoute[] = [
  {
    method: 'GET',
    path: '/health',
    context: 'platform',
    summary: 'Liveness check; needs no API key.',
    auth: false,
    success: { status: 200, schema: HealthResponse },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    roles: ['admin', 'viewer', 'ingest'],
    context: 'platform',
    summary: 'This OpenAPI 3.1 document.',
    auth: true,
    success: { status: 200, schema: null, contentType: 'application/json' },
  },
  {
    method: 'GET',
    path: '/models',
    roles: ['admin', 'viewer', 'ingest'],
    context: 'pricing',
    summary: 'The pricing catalog: every supported model, its aliases and its price versions.',
    auth: true,
    success: { status: 200, schema: ModelsResponse },
  },
  {
    method: 'POST',
    path: '/estimate',
    context: 'pricing',
    summary: 'Monthly cost of a workload, alternatives on other models and self-hosted break-even.',
    auth: true,
    body: EstimateRequest,
    success: { status: 200, schema: EstimateResponse },
  },
  {
    method: 'PUT',
    path: '/prices/{modelId}',
    context: 'pricing',
    summary:
      'Adds a tenant price version of a model (URL-encoded id), in force for the tenant from effectiveFrom; prices the unpriced usage it covers.',
    auth: true,
    body: PutPriceRequest,
    success: { status: 201, schema: PutPriceResponse },
    otherResponses: {
      '409': 'CONFLICT: a version of the model with this effectiveFrom exists (never rewritten).',
    },
  },
  {
    method: 'GET',
    path: '/prices',
    context: 'pricing',
    summary: "The tenant's own price versions.",
    auth: true,
    success: { status: 200, schema: PricesResponse },
  },
  {
    method: 'DELETE',
    path: '/prices/{modelId}',
    context: 'pricing',
    summary: 'Removes a tenant price version that has not priced any usage.',
    auth: true,
    query: DeletePriceQuery,
    success: { status: 204, schema: null },
    otherResponses: {
      '404': NOT_FOUND,
      '409': 'CONFLICT: the version has priced usage; add a new version instead.',
    },
  },
  {
    method: 'POST',
    path: '/track-usage',
    roles: ['admin', 'ingest'],
    context: 'usage',
    summary:
      'Records one model call exactly once: 201 when recorded, 200 with duplicate=true for a replay, 409 when the requestId was used with another body.',
    auth: true,
    body: TrackUsageRequest,
    success: { status: 201, schema: TrackUsageResponse },
    otherResponses: {
      '200': 'Replay of an already recorded requestId with the same body: the first answer, duplicate=true.',
      '409': 'IDEMPOTENCY_CONFLICT: the requestId was already recorded with a different body.',
    },
  },
  {
    method: 'POST',
    path: '/track-usage/batch',
    roles: ['admin', 'ingest'],
    context: 'usage',
    summary: 'Records up to 25 model calls; each gets its own status, in input order.',
    auth: true,
    body: TrackUsageBatchRequest,
    success: { status: 200, schema: TrackUsageBatchResponse },
  },
  {
    method: 'POST',
    path: '/invocation-logs',
    context: 'usage',
    summary:
      'Records Amazon Bedrock model invocation log records (up to 500) exactly once, de-duplicated with /track-usage by their idempotency key; failed calls are skipped and unreadable records rejected, each with its reason.',
    auth: true,
    body: InvocationLogsRequest,
    success: { status: 200, schema: InvocationLogsResponse },
  },
  {
    method: 'GET',
    path: '/unpriced',
    context: 'usage',
    summary:
      'Usage recorded without a price, by model: events, tokens of each kind, first and last seen. Priced exactly once when a covering price appears.',
    auth: true,
    success: { status: 200, schema: UnpricedResponse },
  },
  {
    method: 'GET',
    path: '/users',
    context: 'usage',
    summary:
      'The users of the tenant with usage in a range of UTC days (default: the last 30), by spend descending (ties by user id), with their cost-control level and open breaches; a page at a time (limit, cursor).',
    auth: true,
    query: TenantUsersQuery,
    success: { status: 200, schema: TenantUsersResponse },
  },
  {
    method: 'GET',
    path: '/analytics/{userId}',
    context: 'usage',
    summary:
      'Usage and cost of one user over a date range (default: the last 30 days), from daily aggregates.',
    auth: true,
    query: AnalyticsQuery,
    success: { status: 200, schema: AnalyticsResponse },
  },
  {
    method: 'GET',
    path: '/projections/{userId}',
    context: 'usage',
    summary: 'Spend forecast to the end of the current month and over horizonDays, with bounds.',
    auth: true,
    query: ProjectionsQuery,
    success: { status: 200, schema: ProjectionsResponse },
  },
  {
    method: 'GET',
    path: '/recommendations/{userId}',
    context: 'usage',
    summary: 'Optimisation advice from the last 30 days, with estimated monthly savings.',
    auth: true,
    success: { status: 200, schema: RecommendationsResponse },
  },
  {
    method: 'GET',
    path: '/benchmarks',
    context: 'usage',
    summary: 'Industry benchmark figures by tier.',
    auth: true,
    query: BenchmarksQuery,
    success: { status: 200, schema: BenchmarksResponse },
  },
  {
    method: 'GET',
    path: '/export/{userId}',
    context: 'usage',
    summary:
      'Every usage record in the range, a page at a time (limit, cursor); CSV (next page cursor in the x-next-cursor header) or JSON.',
    auth: true,
    query: ExportQuery,
    success: { status: 200, schema: ExportResponse },
  },
  {
    method: 'GET',
    path: '/reconciliation',
    context: 'usage',
    summary:
      'What the service priced against what AWS billed for Amazon Bedrock, per day and model, from the stored reconciliation runs (default: the last 30 days).',
    auth: true,
    query: ReconciliationQuery,
    success: { status: 200, schema: ReconciliationResponse },
  },
  {
    method: 'POST',
    path: '/thresholds',
    context: 'alerting',
    summary:
      'Creates an absolute, forecast or percentage threshold over a calendar period in a time zone; 201 with every default filled in.',
    auth: true,
    body: CreateThresholdRequest,
    success: { status: 201, schema: ThresholdWriteResponse },
  },
  {
    method: 'GET',
    path: '/thresholds/{id}',
    context: 'alerting',
    summary: 'The thresholds of the user {id}.',
    auth: true,
    success: { status: 200, schema: ThresholdListResponse },
  },
  {
    method: 'PUT',
    path: '/thresholds/{id}',
    context: 'alerting',
    summary: 'Changes the given fields of the threshold {id}.',
    auth: true,
    body: UpdateThresholdRequest,
    success: { status: 200, schema: ThresholdWriteResponse },
    otherResponses: { '404': NOT_FOUND },
  },
  {
    method: 'DELETE',
    path: '/thresholds/{id}',
    context: 'alerting',
    summary: 'Deletes the threshold {id}.',
    auth: true,
    success: { status: 204, schema: null },
    otherResponses: { '404': NOT_FOUND },
  },
  {
    method: 'PUT',
    path: '/alerting/{userId}',
    context: 'alerting',
    summary: 'Sets the alert channels (email, E.164 phone, signed https webhook) and escalation of a user.',
    auth: true,
    body: AlertingConfigRequest,
    success: { status: 200, schema: AlertingConfigResponse },
  },
  {
    method: 'GET',
    path: '/alerting/{userId}',
    context: 'alerting',
    summary: 'The alert channels and escalation of a user (the webhook secret is never answered).',
    auth: true,
    success: { status: 200, schema: AlertingConfigResponse },
  },
  {
    method: 'GET',
    path: '/breaches',
    context: 'alerting',
    summary:
      'The breaches of every user of the tenant, newest first, with their delivery status; filter by status; a page at a time (limit, cursor).',
    auth: true,
    query: TenantBreachListQuery,
    success: { status: 200, schema: TenantBreachListResponse },
  },
  {
    method: 'GET',
    path: '/breaches/{id}',
    context: 'alerting',
    summary: 'The breaches of the user {id}, newest first, with their delivery status; filter by status.',
    auth: true,
    query: BreachListQuery,
    success: { status: 200, schema: BreachListResponse },
  },
  {
    method: 'POST',
    path: '/breaches/{id}/acknowledge',
    roles: ['admin', 'viewer'],
    context: 'alerting',
    summary: 'Acknowledges the breach {id}: its escalation stops.',
    auth: true,
    success: { status: 200, schema: BreachResponse },
    otherResponses: { '404': NOT_FOUND },
  },
  {
    method: 'POST',
    path: '/auto-control/init',
    context: 'control',
    summary:
      'Creates (201) or replaces (200) the cost-control configuration of a user: budget per UTC calendar period, rules, downgrade map, rate limit, hard limit.',
    auth: true,
    body: AutoControlInitRequest,
    success: { status: 201, schema: AutoControlConfigResponse },
    otherResponses: { '200': 'The configuration of the user was replaced.' },
  },
  {
    method: 'GET',
    path: '/auto-control/status/{userId}',
    context: 'control',
    summary: 'Current control level, spend against the budget, active actions and effective limits.',
    auth: true,
    success: { status: 200, schema: AutoControlStatusResponse },
  },
  {
    method: 'POST',
    path: '/auto-control/reverse/{actionId}',
    context: 'control',
    summary:
      'Reverses an applied control action with a recorded reason; the level is recomputed. A second reverse is 409.',
    auth: true,
    body: ReverseActionRequest,
    success: { status: 200, schema: ReverseActionResponse },
    otherResponses: { '404': NOT_FOUND, '409': 'CONFLICT: the action was already reversed.' },
  },
  {
    method: 'GET',
    path: '/auto-control/actions/{userId}',
    context: 'control',
    summary: 'Audit history of applied, reversed and reset control actions, newest first.',
    auth: true,
    query: ControlActionsQuery,
    success: { status: 200, schema: ControlActionsResponse },
  },
  {
    method: 'POST',
    path: '/check',
    roles: ['admin', 'ingest'],
    context: 'control',
    summary:
      'Pre-flight check before a model call: allow, downgrade, throttle (200 with retryAfterMs), cache_only or deny; reserves the estimated cost under a hard budget.',
    auth: true,
    body: CheckRequest,
    success: { status: 200, schema: CheckResponse },
  },
  {
    method: 'GET',
    path: '/settings',
    roles: ['admin'],
    context: 'privacy',
    summary: "The tenant's data-protection settings: how long raw usage records and history are kept.",
    auth: true,
    success: { status: 200, schema: SettingsResponse },
  },
  {
    method: 'PUT',
    path: '/settings',
    context: 'privacy',
    summary:
      'Changes the retention of raw usage records (30–3650 days) and of history (breaches, control actions, audit); new records get it at once, existing ones through a background job.',
    auth: true,
    body: PutSettingsRequest,
    success: { status: 200, schema: SettingsResponse },
  },
  {
    method: 'GET',
    path: '/audit',
    roles: ['admin'],
    context: 'privacy',
    summary:
      'Configuration changes of the tenant, newest first: who (key id), what, when, before and after with personal data masked.',
    auth: true,
    query: AuditQuery,
    success: { status: 200, schema: AuditResponse },
  },
  {
    method: 'DELETE',
    path: '/users/{userId}',
    context: 'privacy',
    summary:
      'Erases a user (202, then in the background): raw records, contacts, thresholds, breaches, control config and history are deleted, aggregates move to a one-way pseudonym so tenant totals stay exact. A repeated request answers the same erasure while it runs, and after it completed as long as the user has no data again.',
    auth: true,
    success: { status: 202, schema: ErasureResponse },
  },
  {
    method: 'GET',
    path: '/erasures/{erasureId}',
    roles: ['admin'],
    context: 'privacy',
    summary: 'The status of an erasure: pending, running or completed (with its completion time).',
    auth: true,
    success: { status: 200, schema: ErasureResponse },
    otherResponses: { '404': NOT_FOUND },
  },
];

/** The roles that may call `route` (every role for a route without auth). */
export function rolesOf(route: Pick<ContractRoute, 'method' | 'auth' | 'roles'>): readonly ApiRole[] {
  if (!route.auth) return API_ROLES;
  if (route.roles) return route.roles;
  return route.method === 'GET' ? ['admin', 'viewer'] : ['admin'];
}

export function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path}`;
}

export { ErrorEnvelope };
