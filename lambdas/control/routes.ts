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
import { callerOf } from '../privacy/ports/audit-log.js';
import {
  toActionsResponse,
  toCheckResponse,
  toConfigResponse,
  toReverseResponse,
  toStatusResponse,
} from './mapper.js';
import { checkRequest } from './use-cases/check-request.js';
import type { ControlDeps } from './use-cases/control-deps.js';
import { controlStatus } from './use-cases/control-status.js';
import { initControl } from './use-cases/init-control.js';
import { listActions } from './use-cases/list-actions.js';
import { reverseAction } from './use-cases/reverse-action.js';

/** The control context's routes: cost-control configuration, status, audit, reversal and `/check`. */
export function controlRoutes(deps: ControlDeps): RouteTable {
  return {
    'POST /auto-control/init': async (request) => {
      const body = parseWith(AutoControlInitRequest, request.body);
      const { created, item } = await initControl(
        deps,
        request.tenantId,
        body,
        new Date(),
        callerOf(request),
      );
      return json(created ? 201 : 200, toConfigResponse(item));
    },
    'GET /auto-control/status/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      return json(200, toStatusResponse(await controlStatus(deps, request.tenantId, userId, new Date())));
    },
    'POST /auto-control/reverse/{actionId}': async (request) => {
      const actionId = pathParam(request, 'actionId', Id);
      const body = parseWith(ReverseActionRequest, request.body);
      const result = await reverseAction(
        deps,
        request.tenantId,
        actionId,
        {
          reason: body.reason,
          caller: { tenantId: request.tenantId, ...(request.keyId ? { keyId: request.keyId } : {}) },
          ...(body.actor ? { label: body.actor } : {}),
        },
        new Date(),
      );
      return json(200, toReverseResponse(result));
    },
    'GET /auto-control/actions/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const page = parseWith(ControlActionsQuery, request.query);
      return json(200, toActionsResponse(await listActions(deps, request.tenantId, userId, page)));
    },
    'POST /check': async ({ tenantId, body }) => {
      const request = parseWith(CheckRequest, body);
      return json(200, toCheckResponse(await checkRequest(deps, tenantId, request, new Date())));
    },
  };
}
