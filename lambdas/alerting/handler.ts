import { AlertingConfigRequest, UserId } from '@cost-management/contract';
import { alertingConfigStore } from '../shared/alerting-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith, pathParam } from '../shared/http-handler.js';
import { getAlertingConfig, putAlertingConfig } from '../shared/use-cases/manage-alerting.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const deps = { alerting: alertingConfigStore(env), allowHttpWebhooks: env.ALLOW_HTTP_WEBHOOKS === 'true' };

/** PUT and GET /alerting/{userId}. */
export const handler = httpHandler(async (request) => {
  const userId = pathParam(request, 'userId', UserId);
  if (request.event.httpMethod === 'GET') {
    return json(200, await getAlertingConfig(deps, request.tenantId, userId));
  }
  const input = parseWith(AlertingConfigRequest, request.body);
  return json(200, await putAlertingConfig(deps, request.tenantId, userId, input, new Date()));
});
