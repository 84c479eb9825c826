import { TrackUsageBatchRequest } from '@cost-management/contract';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith } from '../shared/http-handler.js';
import { ingestDeps } from '../shared/ingest-wiring.js';
import { trackUsageBatch } from '../shared/use-cases/track-usage.js';
import { spec } from './environment.js';

const deps = ingestDeps(loadEnvironment(spec));

export const handler = httpHandler(async ({ tenantId, body }) => {
  const { events } = parseWith(TrackUsageBatchRequest, body);
  const results = await trackUsageBatch(deps, tenantId, events, new Date());
  return json(200, { results });
});
