import { thresholdDetection } from '../shared/alerting-wiring.js';
import { controlDeps } from '../shared/control-wiring.js';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json } from '../shared/http-handler.js';
import { autoControlReactor } from '../shared/use-cases/auto-control.js';
import { trackUsageBatch } from '../shared/use-cases/track-usage.js';
import { usageStore } from '../shared/wiring.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const detection = thresholdDetection(env);
const deps = {
  store: usageStore(env),
  extraAggregates: detection.extraAggregates,
  reactors: [detection.reactor, autoControlReactor(controlDeps(env))],
};

export const handler = httpHandler(async ({ tenantId, body }) => {
  const [result] = await trackUsageBatch(deps, tenantId, [body ?? {}], new Date());
  if (!result) throw new Error('no result for the event');
  if ('error' in result) return json(result.status, { error: result.error });
  const { status, ...answer } = result;
  return json(status, answer);
});
