import { DynamoActionHistory } from '../control/adapters/dynamo-control-store.js';
import { controlRoutes } from '../control/routes.js';
import { controlDeps } from '../control/wiring.js';
import { documentClient } from '../platform/dynamo-client.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { aggregateStore } from '../usage/wiring.js';
import { spec } from './control-api-environment.js';

const env = loadEnvironment(spec);

export const handler = routedHandler(
  'control',
  controlRoutes({
    control: controlDeps(env, aggregateStore(env)),
    history: new DynamoActionHistory(documentClient(), env.CONTROL_ACTIONS_TABLE),
  }),
);
