import { ControlActionsQuery, UserId } from '@cost-management/contract';
import { documentClient } from '../shared/dynamo-client.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith, pathParam } from '../shared/http-handler.js';
import { DynamoActionHistory } from '../shared/stores/dynamo-control-store.js';
import { listControlActions } from '../shared/use-cases/auto-control.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const history = new DynamoActionHistory(documentClient(), env.CONTROL_ACTIONS_TABLE);

export const handler = httpHandler(async (request) => {
  const userId = pathParam(request, 'userId', UserId);
  const page = parseWith(ControlActionsQuery, request.query);
  return json(200, await listControlActions({ history }, request.tenantId, userId, page));
});
