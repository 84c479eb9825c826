import {
  AlertingConfigRequest,
  BreachIdParam,
  BreachListQuery,
  CreateThresholdRequest,
  ThresholdIdParam,
  UpdateThresholdRequest,
  UserId,
} from '@cost-management/contract';
import { json, parseWith, pathParam } from '../platform/http.js';
import type { RouteTable } from '../platform/router.js';
import type { AlertingConfigStore, BreachStore } from './ports/alerting-store.js';
import {
  acknowledgeBreach,
  createThreshold,
  deleteThreshold,
  getAlertingConfig,
  listBreaches,
  listThresholds,
  putAlertingConfig,
  type ThresholdDeps,
  updateThreshold,
} from './use-cases/manage-alerting.js';

export interface AlertingRouteDeps {
  thresholds: ThresholdDeps;
  alerting: { alerting: AlertingConfigStore; allowHttpWebhooks: boolean };
  breaches: { breaches: BreachStore };
}

/** The alerting context's routes: thresholds, alert channels, breaches. */
export function alertingRoutes(deps: AlertingRouteDeps): RouteTable {
  return {
    'POST /thresholds': async ({ tenantId, body }) => {
      const input = parseWith(CreateThresholdRequest, body);
      return json(201, await createThreshold(deps.thresholds, tenantId, input, new Date()));
    },
    'GET /thresholds/{id}': async (request) =>
      json(200, await listThresholds(deps.thresholds, request.tenantId, pathParam(request, 'id', UserId))),
    'PUT /thresholds/{id}': async (request) => {
      const id = pathParam(request, 'id', ThresholdIdParam);
      const input = parseWith(UpdateThresholdRequest, request.body);
      return json(200, await updateThreshold(deps.thresholds, request.tenantId, id, input, new Date()));
    },
    'DELETE /thresholds/{id}': async (request) => {
      await deleteThreshold(deps.thresholds, request.tenantId, pathParam(request, 'id', ThresholdIdParam));
      return { status: 204 };
    },
    'PUT /alerting/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const input = parseWith(AlertingConfigRequest, request.body);
      return json(200, await putAlertingConfig(deps.alerting, request.tenantId, userId, input, new Date()));
    },
    'GET /alerting/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      return json(200, await getAlertingConfig(deps.alerting, request.tenantId, userId));
    },
    'GET /breaches/{id}': async (request) => {
      const userId = pathParam(request, 'id', UserId);
      const { status } = parseWith(BreachListQuery, request.query);
      return json(200, await listBreaches(deps.breaches, request.tenantId, userId, status));
    },
    'POST /breaches/{id}/acknowledge': async (request) => {
      const breachId = pathParam(request, 'id', BreachIdParam);
      return json(200, await acknowledgeBreach(deps.breaches, request.tenantId, breachId, new Date()));
    },
  };
}
