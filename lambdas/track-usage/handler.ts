import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json } from '../shared/http-handler.js';
import { ingestDeps } from '../shared/ingest-wiring.js';
import { trackUsageBatch } from '../shared/use-cases/track-usage.js';
import { spec } from './environment.js';

const deps = ingestDeps(loadEnvironment(spec));

export const handler = httpHandler(async ({ tenantId, body }) => {
  const [result] = await trackUsageBatch(deps, tenantId, [body ?? {}], new Date());
  if (!result) throw new Error('no result for the event');
  if ('error' in result) return json(result.status, { error: result.error });
  const { status, ...answer } = result;
  return json(status, answer);
});
