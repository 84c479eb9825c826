import { BreachIdParam, BreachListQuery, UserId } from '@cost-management/contract';
import { breachStore } from '../shared/alerting-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith, pathParam } from '../shared/http-handler.js';
import { acknowledgeBreach, listBreaches } from '../shared/use-cases/manage-alerting.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const deps = { breaches: breachStore(env) };

/** GET /breaches/{userId}?status= and POST /breaches/{breachId}/acknowledge. */
export const handler = httpHandler(async (request) => {
  if (request.event.httpMethod === 'GET') {
    const userId = pathParam(request, 'id', UserId);
    const { status } = parseWith(BreachListQuery, request.query);
    return json(200, await listBreaches(deps, request.tenantId, userId, status));
  }
  const breachId = pathParam(request, 'id', BreachIdParam);
  return json(200, await acknowledgeBreach(deps, request.tenantId, breachId, new Date()));
});
