import { buildOpenApiDocument, CONTRACT_ROUTES } from '@cost-management/contract';
import { json } from './http.js';
import type { RouteTable } from './router.js';

/** The platform's own routes: liveness and the OpenAPI document. */
export function platformRoutes(): RouteTable {
  const document = buildOpenApiDocument(CONTRACT_ROUTES);
  return {
    'GET /health': async () => json(200, { status: 'ok' }),
    'GET /openapi.json': async () => json(200, document),
  };
}
