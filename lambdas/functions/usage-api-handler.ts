import { breachStore, thresholdStore } from '../alerting/wiring.js';
import { controlLevels } from '../control/use-cases/control-levels.js';
import { controlDeps } from '../control/wiring.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { retentionPolicy } from '../privacy/wiring.js';
import { usageRoutes } from '../usage/routes.js';
import { parseIdentityMap } from '../usage/use-cases/import-invocation-logs.js';
import {
  aggregateStore,
  analyticsCache,
  benchmarkStore,
  patternStore,
  reconciliationStore,
  unpricedReader,
  usageRecordReader,
} from '../usage/wiring.js';
import { ingestDeps } from './ingest-wiring.js';
import { spec } from './usage-api-environment.js';

const env = loadEnvironment(spec);
const aggregates = aggregateStore(env);
const retention = retentionPolicy(env);
const control = controlDeps(env, aggregates);
const breaches = breachStore(env);

export const handler = routedHandler(
  'usage',
  usageRoutes({
    ingest: ingestDeps(env),
    analytics: { aggregates, cache: analyticsCache(env), patterns: patternStore(env) },
    // Projections mark expected crossings of the user's thresholds (alerting context).
    projections: { aggregates, thresholds: thresholdStore(env) },
    records: usageRecordReader(env),
    benchmarks: benchmarkStore(env),
    invocationLogs: {
      userIdMetadataKey: env.INVOCATION_LOG_USER_KEY,
      identityMap: parseIdentityMap(env.INVOCATION_LOG_IDENTITY_MAP),
    },
    reconciliation: reconciliationStore(env),
    unpriced: unpricedReader(env, retention),
    retention,
    // The tenant's users: totals from the aggregates, levels (control) and open breaches (alerting).
    users: {
      usage: aggregates,
      standing: {
        controlLevels: (tenantId, userIds, now) => controlLevels(control, tenantId, userIds, now),
        openBreaches: (tenantId) => breaches.openCountsByUser(tenantId),
      },
    },
  }),
);
