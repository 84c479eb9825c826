import {
  CreateThresholdRequest,
  ThresholdIdParam,
  UpdateThresholdRequest,
  UserId,
} from '@cost-management/contract';
import { periodBackfill, thresholdStore } from '../shared/alerting-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith, pathParam } from '../shared/http-handler.js';
import {
  createThreshold,
  deleteThreshold,
  listThresholds,
  updateThreshold,
} from '../shared/use-cases/manage-alerting.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const deps = { thresholds: thresholdStore(env), backfill: periodBackfill(env) };

/** POST /thresholds, GET /thresholds/{userId}, PUT and DELETE /thresholds/{thresholdId}. */
export const handler = httpHandler(async (request) => {
  const { tenantId } = request;
  switch (request.event.httpMethod) {
    case 'POST': {
      const input = parseWith(CreateThresholdRequest, request.body);
      return json(201, await createThreshold(deps, tenantId, input, new Date()));
    }
    case 'GET':
      return json(200, await listThresholds(deps, tenantId, pathParam(request, 'id', UserId)));
    case 'PUT': {
      const id = pathParam(request, 'id', ThresholdIdParam);
      const input = parseWith(UpdateThresholdRequest, request.body);
      return json(200, await updateThreshold(deps, tenantId, id, input, new Date()));
    }
    default:
      await deleteThreshold(deps, tenantId, pathParam(request, 'id', ThresholdIdParam));
      return { status: 204 };
  }
});
