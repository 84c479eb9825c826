import { controlRoutes } from '../control/routes.js';
import { controlDeps } from '../control/wiring.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { auditLog, retentionPolicy } from '../privacy/wiring.js';
import { aggregateStore } from '../usage/wiring.js';
import { spec } from './control-api-environment.js';

const env = loadEnvironment(spec);
const retention = retentionPolicy(env);

export const handler = routedHandler(
  'control',
  controlRoutes(controlDeps(env, aggregateStore(env), { retention, audit: auditLog(env, retention) })),
);
