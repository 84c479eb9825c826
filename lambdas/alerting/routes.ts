import {
  AlertingConfigRequest,
  BreachIdParam,
  BreachListQuery,
  CreateThresholdRequest,
  TenantBreachListQuery,
  ThresholdIdParam,
  UpdateThresholdRequest,
  UserId,
} from '@cost-management/contract';
import { json, parseWith, pathParam } from '../platform/http.js';
import type { RouteTable } from '../platform/router.js';
import { callerOf } from '../privacy/ports/audit-log.js';
import {
  alertingResponse,
  breachListResponse,
  breachResponse,
  tenantBreachListResponse,
  thresholdListResponse,
  thresholdWriteResponse,
} from './mapper.js';
import {
  acknowledgeBreach,
  type BreachDeps,
  listBreaches,
  listTenantBreaches,
} from './use-cases/manage-breaches.js';
import { type ContactDeps, getAlertingConfig, putAlertingConfig } from './use-cases/manage-contacts.js';
import {
  createThreshold,
  deleteThreshold,
  listThresholds,
  type ThresholdDeps,
  updateThreshold,
} from './use-cases/manage-thresholds.js';

export interface AlertingRouteDeps {
  thresholds: ThresholdDeps;
  alerting: ContactDeps;
  breaches: BreachDeps;
}

/** The alerting context's routes: thresholds, alert channels, breaches. Each: parse, use case, mapper. */
export function alertingRoutes(deps: AlertingRouteDeps): RouteTable {
  return {
    'POST /thresholds': async (request) => {
      const input = parseWith(CreateThresholdRequest, request.body);
      const created = await createThreshold(
        deps.thresholds,
        request.tenantId,
        input,
        new Date(),
        callerOf(request),
      );
      return json(201, thresholdWriteResponse(created));
    },
    'GET /thresholds/{id}': async (request) => {
      const userId = pathParam(request, 'id', UserId);
      return json(
        200,
        thresholdListResponse(await listThresholds(deps.thresholds, request.tenantId, userId)),
      );
    },
    'PUT /thresholds/{id}': async (request) => {
      const id = pathParam(request, 'id', ThresholdIdParam);
      const input = parseWith(UpdateThresholdRequest, request.body);
      const updated = await updateThreshold(
        deps.thresholds,
        request.tenantId,
        id,
        input,
        new Date(),
        callerOf(request),
      );
      return json(200, thresholdWriteResponse(updated));
    },
    'DELETE /thresholds/{id}': async (request) => {
      const id = pathParam(request, 'id', ThresholdIdParam);
      await deleteThreshold(deps.thresholds, request.tenantId, id, new Date(), callerOf(request));
      return { status: 204 };
    },
    'PUT /alerting/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const input = parseWith(AlertingConfigRequest, request.body);
      const config = await putAlertingConfig(
        deps.alerting,
        request.tenantId,
        userId,
        input,
        new Date(),
        callerOf(request),
      );
      return json(200, alertingResponse(config));
    },
    'GET /alerting/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      return json(200, alertingResponse(await getAlertingConfig(deps.alerting, request.tenantId, userId)));
    },
    'GET /breaches': async (request) => {
      const { status, limit, cursor } = parseWith(TenantBreachListQuery, request.query);
      const page = await listTenantBreaches(deps.breaches, request.tenantId, status, { limit, cursor });
      return json(200, tenantBreachListResponse(page));
    },
    'GET /breaches/{id}': async (request) => {
      const userId = pathParam(request, 'id', UserId);
      const { status } = parseWith(BreachListQuery, request.query);
      return json(
        200,
        breachListResponse(await listBreaches(deps.breaches, request.tenantId, userId, status)),
      );
    },
    'POST /breaches/{id}/acknowledge': async (request) => {
      const breachId = pathParam(request, 'id', BreachIdParam);
      const breach = await acknowledgeBreach(deps.breaches, request.tenantId, breachId, new Date());
      return json(200, breachResponse(breach));
    },
  };
}
