import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { pricingRoutes } from '../pricing/routes.js';
import { effectiveCatalog, priceStore } from '../pricing/wiring.js';
import { auditLog } from '../privacy/wiring.js';
import { repriceUnpriced } from '../usage/use-cases/reprice-unpriced.js';
import { repriceDeps } from './ingest-wiring.js';
import { spec } from './pricing-api-environment.js';

const env = loadEnvironment(spec);
const catalogOf = effectiveCatalog(env);
const reprice = repriceDeps(env);

export const handler = routedHandler(
  'pricing',
  pricingRoutes({
    catalogOf,
    prices: {
      store: priceStore(env),
      forget: catalogOf.forget,
      reprice: (tenantId) => repriceUnpriced(reprice, tenantId, new Date()),
      audit: auditLog(env),
    },
  }),
);
