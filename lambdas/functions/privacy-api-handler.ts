import { busPublisher } from '../platform/events/bus-publisher.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { privacyRoutes } from '../privacy/routes.js';
import {
  auditLog,
  erasureStore,
  retentionJobStore,
  retentionPolicy,
  settingsStore,
} from '../privacy/wiring.js';
import { erasurePartsOf } from './erasure-parts.js';
import { spec } from './privacy-api-environment.js';

const env = loadEnvironment(spec);
const retention = retentionPolicy(env);
const audit = auditLog(env, retention);

export const handler = routedHandler(
  'privacy',
  privacyRoutes({
    settings: {
      store: settingsStore(env),
      audit,
      jobs: retentionJobStore(env),
      forget: retention.forget,
      ...(env.RETENTION_JOB_DELAY_SECONDS !== undefined
        ? { jobDelayMs: env.RETENTION_JOB_DELAY_SECONDS * 1000 }
        : {}),
    },
    audit,
    erasure: { store: erasureStore(env, audit), holders: erasurePartsOf(env), publisher: busPublisher(env) },
  }),
);
