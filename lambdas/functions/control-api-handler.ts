import { controlRoutes } from '../control/routes.js';
import { controlDeps } from '../control/wiring.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { aggregateStore } from '../usage/wiring.js';
import { spec } from './control-api-environment.js';

const env = loadEnvironment(spec);

export const handler = routedHandler('control', controlRoutes(controlDeps(env, aggregateStore(env))));
