import { alertingRoutes } from '../alerting/routes.js';
import { alertingConfigStore, backfillRequester, breachStore, thresholdStore } from '../alerting/wiring.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { auditLog } from '../privacy/wiring.js';
import { spec } from './alerting-api-environment.js';

const env = loadEnvironment(spec);
const audit = auditLog(env);

export const handler = routedHandler(
  'alerting',
  alertingRoutes({
    thresholds: {
      thresholds: thresholdStore(env),
      requestBackfill: backfillRequester(env),
      audit,
    },
    alerting: {
      alerting: alertingConfigStore(env),
      allowHttpWebhooks: env.ALLOW_HTTP_WEBHOOKS === 'true',
      audit,
    },
    breaches: { breaches: breachStore(env) },
  }),
);
