import { ProjectionsQuery, UserId } from '@cost-management/contract';
import { thresholdStore } from '../shared/alerting-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith, pathParam } from '../shared/http-handler.js';
import { getProjections } from '../shared/use-cases/read-usage.js';
import { aggregateReader } from '../shared/wiring.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const deps = { aggregates: aggregateReader(env), thresholds: thresholdStore(env) };

export const handler = httpHandler(async (request) => {
  const userId = pathParam(request, 'userId', UserId);
  const { horizonDays } = parseWith(ProjectionsQuery, request.query);
  return json(200, await getProjections(deps, request.tenantId, userId, horizonDays, new Date()));
});
