import { Id, ReverseActionRequest } from '@cost-management/contract';
import { controlDeps } from '../shared/control-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith, pathParam } from '../shared/http-handler.js';
import { reverseControlAction } from '../shared/use-cases/auto-control.js';
import { spec } from './environment.js';

const deps = controlDeps(loadEnvironment(spec));

export const handler = httpHandler(async (request) => {
  const actionId = pathParam(request, 'actionId', Id);
  const body = parseWith(ReverseActionRequest, request.body);
  return json(200, await reverseControlAction(deps, request.tenantId, actionId, body, new Date()));
});
