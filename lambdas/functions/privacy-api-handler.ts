import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { privacyRoutes } from '../privacy/routes.js';
import { auditLog, settingsStore } from '../privacy/wiring.js';
import { spec } from './privacy-api-environment.js';

const env = loadEnvironment(spec);
const audit = auditLog(env);

export const handler = routedHandler(
  'privacy',
  privacyRoutes({ settings: { store: settingsStore(env), audit }, audit }),
);
