import { busPublisher } from '../platform/events/bus-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { privacyRoutes } from '../privacy/routes.js';
import { auditLog, erasureStore, settingsStore } from '../privacy/wiring.js';
import { erasurePartsOf } from './erasure-parts.js';
import { spec } from './privacy-api-environment.js';

const env = loadEnvironment(spec);
const audit = auditLog(env);

export const handler = routedHandler(
  'privacy',
  privacyRoutes({
    settings: { store: settingsStore(env), audit },
    audit,
    erasure: { store: erasureStore(env), holders: erasurePartsOf(env), publisher: busPublisher(env) },
  }),
);
