import { loadEnvironment } from '../platform/function-spec.js';
import { routedHandler } from '../platform/router.js';
import { pricingRoutes } from '../pricing/routes.js';
import { effectiveCatalog, priceStore } from '../pricing/wiring.js';
import { spec } from './pricing-api-environment.js';

const env = loadEnvironment(spec);
const catalogOf = effectiveCatalog(env);

export const handler = routedHandler(
  'pricing',
  pricingRoutes({
    catalogOf,
    prices: { store: priceStore(env), forget: catalogOf.forget },
  }),
);
