import { AnalyticsQuery, UserId } from '@cost-management/contract';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith, pathParam } from '../shared/http-handler.js';
import { getAnalytics } from '../shared/use-cases/read-usage.js';
import { aggregateReader, analyticsCache, patternStore } from '../shared/wiring.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const deps = { aggregates: aggregateReader(env), cache: analyticsCache(env), patterns: patternStore(env) };

export const handler = httpHandler(async (request) => {
  const userId = pathParam(request, 'userId', UserId);
  const query = parseWith(AnalyticsQuery, request.query);
  return json(200, await getAnalytics(deps, request.tenantId, userId, query, new Date()));
});
