import { routedHandler } from '../platform/router.js';
import { platformRoutes } from '../platform/routes.js';

export const handler = routedHandler('platform', platformRoutes());
