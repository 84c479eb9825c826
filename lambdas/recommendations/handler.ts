import { UserId } from '@cost-management/contract';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, pathParam } from '../shared/http-handler.js';
import { getRecommendations } from '../shared/use-cases/read-usage.js';
import { aggregateReader } from '../shared/wiring.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const deps = { aggregates: aggregateReader(env) };

export const handler = httpHandler(async (request) => {
  const userId = pathParam(request, 'userId', UserId);
  return json(200, await getRecommendations(deps, request.tenantId, userId, new Date()));
});
