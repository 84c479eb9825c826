import { z } from 'zod';
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
import { EstimateRequest, EstimateResponse, ModelsResponse } from './pricing.js';
import { ErrorEnvelope } from './primitives.js';
import {
  ExportQuery,
  TrackUsageBatchRequest,
  TrackUsageBatchResponse,
  TrackUsageRequest,
  TrackUsageResponse,
} from './usage.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One operation of the REST contract, under the base path. */
export interface ContractRoute {
  method: HttpMethod;
  /** API Gateway style template, e.g. `/analytics/{userId}`. */
  path: string;
  summary: string;
  /** false only for `/health`. */
  auth: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  /** Success status and the schema of its JSON body (null: no body). */
  success: { status: number; schema: z.ZodType | null; contentType?: string };
}

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
    summary: 'Liveness check; needs no API key.',
    auth: false,
    success: { status: 200, schema: HealthResponse },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document.',
    auth: true,
    success: { status: 200, schema: null, contentType: 'application/json' },
  },
  {
    method: 'GET',
    path: '/models',
    summary: 'The pricing catalog: every supported model, its aliases and its price versions.',
    auth: true,
    success: { status: 200, schema: ModelsResponse },
  },
  {
    method: 'POST',
    path: '/estimate',
    summary: 'Monthly cost of a workload, alternatives on other models and self-hosted break-even.',
    auth: true,
    body: EstimateRequest,
    success: { status: 200, schema: EstimateResponse },
  },
  {
    method: 'POST',
    path: '/track-usage',
    summary:
      'Records one model call exactly once: 201 when recorded, 200 with duplicate=true for a replay, 409 when the requestId was used with another body.',
    auth: true,
    body: TrackUsageRequest,
    success: { status: 201, schema: TrackUsageResponse },
  },
  {
    method: 'POST',
    path: '/track-usage/batch',
    summary: 'Records up to 25 model calls; each gets its own status, in input order.',
    auth: true,
    body: TrackUsageBatchRequest,
    success: { status: 200, schema: TrackUsageBatchResponse },
  },
  {
    method: 'GET',
    path: '/analytics/{userId}',
    summary:
      'Usage and cost of one user over a date range (default: the last 30 days), from daily aggregates.',
    auth: true,
    query: AnalyticsQuery,
    success: { status: 200, schema: AnalyticsResponse },
  },
  {
    method: 'GET',
    path: '/projections/{userId}',
    summary: 'Spend forecast to the end of the current month and over horizonDays, with bounds.',
    auth: true,
    query: ProjectionsQuery,
    success: { status: 200, schema: ProjectionsResponse },
  },
  {
    method: 'GET',
    path: '/recommendations/{userId}',
    summary: 'Optimisation advice from the last 30 days, with estimated monthly savings.',
    auth: true,
    success: { status: 200, schema: RecommendationsResponse },
  },
  {
    method: 'GET',
    path: '/benchmarks',
    summary: 'Industry benchmark figures by tier.',
    auth: true,
    query: BenchmarksQuery,
    success: { status: 200, schema: BenchmarksResponse },
  },
  {
    method: 'GET',
    path: '/export/{userId}',
    summary:
      'Every usage record in the range, a page at a time (limit, cursor); CSV (next page cursor in the x-next-cursor header) or JSON.',
    auth: true,
    query: ExportQuery,
    success: { status: 200, schema: ExportResponse },
  },
];

export function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path}`;
}

export { ErrorEnvelope };
