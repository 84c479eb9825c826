import {
  AutoControlInitRequest,
  CheckRequest,
  ControlActionsQuery,
  Id,
  ReverseActionRequest,
  UserId,
} from '@cost-management/contract';
import { json, parseWith, pathParam } from '../platform/http.js';
import type { RouteTable } from '../platform/router.js';
import type { ActionHistoryReader } from './ports/control-store.js';
import {
  type ControlDeps,
  getControlStatus,
  initControl,
  listControlActions,
  reverseControlAction,
} from './use-cases/auto-control.js';
import { checkRequest } from './use-cases/check-request.js';

export interface ControlRouteDeps {
  control: ControlDeps;
  history: ActionHistoryReader;
}

/** The control context's routes: cost-control configuration, status, audit, reversal and `/check`. */
export function controlRoutes(deps: ControlRouteDeps): RouteTable {
  return {
    'POST /auto-control/init': async ({ tenantId, body }) => {
      const request = parseWith(AutoControlInitRequest, body);
      const { created, config } = await initControl(deps.control, tenantId, request, new Date());
      return json(created ? 201 : 200, config);
    },
    'GET /auto-control/status/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      return json(200, await getControlStatus(deps.control, request.tenantId, userId, new Date()));
    },
    'POST /auto-control/reverse/{actionId}': async (request) => {
      const actionId = pathParam(request, 'actionId', Id);
      const body = parseWith(ReverseActionRequest, request.body);
      return json(
        200,
        await reverseControlAction(deps.control, request.tenantId, actionId, body, new Date()),
      );
    },
    'GET /auto-control/actions/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const page = parseWith(ControlActionsQuery, request.query);
      return json(200, await listControlActions({ history: deps.history }, request.tenantId, userId, page));
    },
    'POST /check': async ({ tenantId, body }) => {
      const request = parseWith(CheckRequest, body);
      return json(200, await checkRequest(deps.control, tenantId, request, new Date()));
    },
  };
}
