import { CheckRequest } from '@cost-management/contract';
import { controlDeps } from '../shared/control-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith } from '../shared/http-handler.js';
import { checkRequest } from '../shared/use-cases/check-request.js';
import { spec } from './environment.js';

const deps = controlDeps(loadEnvironment(spec));

export const handler = httpHandler(async ({ tenantId, body }) => {
  const request = parseWith(CheckRequest, body);
  return json(200, await checkRequest(deps, tenantId, request, new Date()));
});
