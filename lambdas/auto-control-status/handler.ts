import { UserId } from '@cost-management/contract';
import { controlDeps } from '../shared/control-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, pathParam } from '../shared/http-handler.js';
import { getControlStatus } from '../shared/use-cases/auto-control.js';
import { spec } from './environment.js';

const deps = controlDeps(loadEnvironment(spec));

export const handler = httpHandler(async (request) => {
  const userId = pathParam(request, 'userId', UserId);
  return json(200, await getControlStatus(deps, request.tenantId, userId, new Date()));
});
