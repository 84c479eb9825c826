import { httpHandler, json } from '../shared/http-handler.js';

export const handler = httpHandler(async () => json(200, { status: 'ok' }), { public: true });
