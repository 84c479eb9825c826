import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { pricingRoutes } from '../pricing/routes.js';
import { effectiveCatalog, priceStore } from '../pricing/wiring.js';
import { auditLog } from '../privacy/wiring.js';
import { repriceThenHandOff } from '../usage/use-cases/reprice-in-background.js';
import { backgroundRepriceDeps } from './ingest-wiring.js';
import { spec } from './pricing-api-environment.js';

const env = loadEnvironment(spec);
const catalogOf = effectiveCatalog(env);
const reprice = backgroundRepriceDeps(env);

export const handler = routedHandler(
  'pricing',
  pricingRoutes({
    catalogOf,
    prices: {
      store: priceStore(env),
      forget: catalogOf.forget,
      // A bounded part now; a larger backlog continues in the background (RepricingRequested).
      reprice: (tenantId) => repriceThenHandOff(reprice, tenantId, new Date(), env.REPRICE_INLINE_RECORDS),
      audit: auditLog(env),
    },
  }),
);
