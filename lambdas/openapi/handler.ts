import { buildOpenApiDocument, CONTRACT_ROUTES } from '@cost-management/contract';
import { httpHandler, json } from '../shared/http-handler.js';

const document = buildOpenApiDocument(CONTRACT_ROUTES);

export const handler = httpHandler(async () => json(200, document));
