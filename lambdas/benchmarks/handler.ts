import { BenchmarksQuery } from '@cost-management/contract';
import { toUsd } from '@cost-management/core';
import { loadEnvironment } from '../shared/function-spec.js';
import { httpHandler, json, parseWith } from '../shared/http-handler.js';
import { benchmarkStore } from '../shared/wiring.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);
const store = benchmarkStore(env);

export const handler = httpHandler(async (request) => {
  const filter = parseWith(BenchmarksQuery, request.query);
  const items = await store.list(filter);
  return json(200, {
    items: items.map(({ monthlyCostNano: c, avgCostPerRequestNano, ...rest }) => ({
      ...rest,
      monthlyCostUsd: { p25: toUsd(c.p25), p50: toUsd(c.p50), p75: toUsd(c.p75), p90: toUsd(c.p90) },
      avgCostPerRequestUsd: toUsd(avgCostPerRequestNano),
    })),
  });
});
