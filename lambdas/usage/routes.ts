import {
  AnalyticsQuery,
  BenchmarksQuery,
  ExportQuery,
  InvocationLogsRequest,
  ProjectionsQuery,
  ReconciliationQuery,
  TenantUsersQuery,
  TrackUsageBatchRequest,
  UserId,
} from '@cost-management/contract';
import { type RetentionCoverage, retentionCoverage } from '@cost-management/core';
import { json, parseWith, pathParam } from '../platform/http.js';
import type { RouteTable } from '../platform/router.js';
import type { RetentionPolicy } from '../privacy/ports/settings-store.js';
import {
  toAnalyticsResponse,
  toBatchItem,
  toBenchmarkItems,
  toExportCsv,
  toExportJson,
  toInvocationLogsResponse,
  toProjectionsResponse,
  toRecommendationsResponse,
  toReconciliationResponse,
  toTenantUsersResponse,
  toUnpricedResponse,
} from './mapper.js';
import type { BenchmarkStore, UsageRecordReader } from './ports/read-stores.js';
import type { ReconciliationStore } from './ports/reconciliation.js';
import { type InvocationLogConfig, importInvocationLogs } from './use-cases/import-invocation-logs.js';
import { listTenantUsers, type TenantUsersDeps } from './use-cases/list-tenant-users.js';
import { type ListUnpricedDeps, listUnpriced } from './use-cases/list-unpriced.js';
import {
  type AnalyticsDeps,
  getAnalytics,
  getProjections,
  getRecommendations,
  type ProjectionDeps,
  resolveRange,
} from './use-cases/read-usage.js';
import { getReconciliation } from './use-cases/reconcile.js';
import { type TrackUsageDeps, trackUsageBatch } from './use-cases/track-usage.js';

export interface UsageRouteDeps {
  ingest: TrackUsageDeps;
  analytics: AnalyticsDeps;
  projections: ProjectionDeps;
  records: UsageRecordReader;
  benchmarks: BenchmarkStore;
  /** How invocation log records are attributed to users (configuration of the function). */
  invocationLogs: InvocationLogConfig;
  reconciliation: ReconciliationStore;
  unpriced: ListUnpricedDeps;
  /** The tenant's retention (privacy context): export and analytics say what raw data it has expired. */
  retention?: RetentionPolicy;
  users: TenantUsersDeps;
}

/** The usage context's routes: ingest, analytics, projections, recommendations, benchmarks, export. */
export function usageRoutes(deps: UsageRouteDeps): RouteTable {
  /** Where the tenant's retained raw data begins, against the range asked for. */
  const coverage = async (
    tenantId: string,
    range: { from: string },
    now: Date,
  ): Promise<RetentionCoverage | undefined> => {
    if (!deps.retention) return undefined;
    const { usageDays } = await deps.retention.retentionOf(tenantId);
    return retentionCoverage(range, now.toISOString(), usageDays);
  };
  return {
    'POST /track-usage': async ({ tenantId, body }) => {
      const [outcome] = await trackUsageBatch(deps.ingest, tenantId, [body ?? {}], new Date());
      if (!outcome) throw new Error('no outcome for the event');
      if (outcome.kind === 'rejected') throw outcome.error;
      const { status, ...answer } = toBatchItem(outcome);
      return 'error' in answer ? json(status, { error: answer.error }) : json(status, answer);
    },
    'POST /track-usage/batch': async ({ tenantId, body }) => {
      const { events } = parseWith(TrackUsageBatchRequest, body);
      const outcomes = await trackUsageBatch(deps.ingest, tenantId, events, new Date());
      return json(200, { results: outcomes.map(toBatchItem) });
    },
    'POST /invocation-logs': async ({ tenantId, body }) => {
      const { records } = parseWith(InvocationLogsRequest, body);
      const summary = await importInvocationLogs(
        { ingest: deps.ingest, config: deps.invocationLogs },
        tenantId,
        records,
        new Date(),
      );
      return json(200, toInvocationLogsResponse(summary));
    },
    'GET /reconciliation': async (request) => {
      const range = resolveRange(parseWith(ReconciliationQuery, request.query), new Date());
      const result = await getReconciliation(deps.reconciliation, request.tenantId, range);
      return json(200, toReconciliationResponse(result));
    },
    'GET /unpriced': async ({ tenantId }) =>
      json(200, toUnpricedResponse(await listUnpriced(deps.unpriced, tenantId))),
    'GET /users': async (request) => {
      const query = parseWith(TenantUsersQuery, request.query);
      const now = new Date();
      const page = await listTenantUsers(
        deps.users,
        request.tenantId,
        resolveRange(query, now),
        { limit: query.limit, cursor: query.cursor },
        now,
      );
      return json(200, toTenantUsersResponse(page));
    },
    'GET /analytics/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const query = parseWith(AnalyticsQuery, request.query);
      const now = new Date();
      const result = await getAnalytics(deps.analytics, request.tenantId, userId, query, now);
      return json(200, toAnalyticsResponse(result, await coverage(request.tenantId, result, now)));
    },
    'GET /projections/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const { horizonDays } = parseWith(ProjectionsQuery, request.query);
      const result = await getProjections(
        deps.projections,
        request.tenantId,
        userId,
        horizonDays,
        new Date(),
      );
      return json(200, toProjectionsResponse(result));
    },
    'GET /recommendations/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const items = await getRecommendations(deps.analytics, request.tenantId, userId, new Date());
      return json(200, toRecommendationsResponse(items));
    },
    'GET /benchmarks': async (request) => {
      const filter = parseWith(BenchmarksQuery, request.query);
      return json(200, { items: toBenchmarkItems(await deps.benchmarks.list(filter)) });
    },
    'GET /export/{userId}': async (request) => {
      // One page per call (at most `limit` records): memory never grows with the range.
      const userId = pathParam(request, 'userId', UserId);
      const query = parseWith(ExportQuery, request.query);
      const now = new Date();
      const range = resolveRange(query, now);
      const page = await deps.records.listRecords(request.tenantId, userId, range, {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      const retention = await coverage(request.tenantId, range, now);
      return query.format === 'csv'
        ? toExportCsv(userId, range, page, retention)
        : json(200, toExportJson(userId, range, page, retention));
    },
  };
}
