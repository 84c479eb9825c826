import { routedHandler } from '../platform/router.js';
import { pricingRoutes } from '../pricing/routes.js';

export const handler = routedHandler('pricing', pricingRoutes());
