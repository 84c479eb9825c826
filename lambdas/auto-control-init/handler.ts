import { AutoControlInitRequest } from '@cost-management/contract';
import { controlDeps } from '../shared/control-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith } from '../shared/http-handler.js';
import { initControl } from '../shared/use-cases/auto-control.js';
import { spec } from './environment.js';

const deps = controlDeps(loadEnvironment(spec));

export const handler = httpHandler(async ({ tenantId, body }) => {
  const request = parseWith(AutoControlInitRequest, body);
  const { created, config } = await initControl(deps, tenantId, request, new Date());
  return json(created ? 201 : 200, config);
});
