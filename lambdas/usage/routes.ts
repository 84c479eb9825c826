import {
  AnalyticsQuery,
  BenchmarksQuery,
  ExportQuery,
  ProjectionsQuery,
  TrackUsageBatchRequest,
  UserId,
} from '@cost-management/contract';
import { json, parseWith, pathParam } from '../platform/http.js';
import type { RouteTable } from '../platform/router.js';
import { toBatchItem, toBenchmarkItems, toExportCsv, toExportJson, toUnpricedResponse } from './mapper.js';
import type { BenchmarkStore, UsageRecordReader } from './ports/read-stores.js';
import { type ListUnpricedDeps, listUnpriced } from './use-cases/list-unpriced.js';
import {
  type AnalyticsDeps,
  getAnalytics,
  getProjections,
  getRecommendations,
  type ProjectionDeps,
  resolveRange,
} from './use-cases/read-usage.js';
import { type TrackUsageDeps, trackUsageBatch } from './use-cases/track-usage.js';

export interface UsageRouteDeps {
  ingest: TrackUsageDeps;
  analytics: AnalyticsDeps;
  projections: ProjectionDeps;
  records: UsageRecordReader;
  benchmarks: BenchmarkStore;
  unpriced: ListUnpricedDeps;
}

/** The usage context's routes: ingest, analytics, projections, recommendations, benchmarks, export. */
export function usageRoutes(deps: UsageRouteDeps): RouteTable {
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
    'GET /unpriced': async ({ tenantId }) =>
      json(200, toUnpricedResponse(await listUnpriced(deps.unpriced, tenantId))),
    'GET /analytics/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const query = parseWith(AnalyticsQuery, request.query);
      return json(200, await getAnalytics(deps.analytics, request.tenantId, userId, query, new Date()));
    },
    'GET /projections/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const { horizonDays } = parseWith(ProjectionsQuery, request.query);
      return json(
        200,
        await getProjections(deps.projections, request.tenantId, userId, horizonDays, new Date()),
      );
    },
    'GET /recommendations/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      return json(200, await getRecommendations(deps.analytics, request.tenantId, userId, new Date()));
    },
    'GET /benchmarks': async (request) => {
      const filter = parseWith(BenchmarksQuery, request.query);
      return json(200, { items: toBenchmarkItems(await deps.benchmarks.list(filter)) });
    },
    'GET /export/{userId}': async (request) => {
      // One page per call (at most `limit` records): memory never grows with the range.
      const userId = pathParam(request, 'userId', UserId);
      const query = parseWith(ExportQuery, request.query);
      const range = resolveRange(query, new Date());
      const page = await deps.records.listRecords(request.tenantId, userId, range, {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return query.format === 'csv'
        ? toExportCsv(userId, range, page)
        : json(200, toExportJson(userId, range, page));
    },
  };
}
