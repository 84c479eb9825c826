import { EstimateRequest } from '@cost-management/contract';
import { estimateWorkload, fromUsd, listModels } from '@cost-management/core';
import { json, parseWith } from '../platform/http.js';
import type { RouteTable } from '../platform/router.js';
import { toEstimateResponse, toModelsResponse } from './mapper.js';

/** The pricing context's routes: the catalog and workload estimates. */
export function pricingRoutes(): RouteTable {
  const models = toModelsResponse(listModels());
  return {
    'GET /models': async () => json(200, models),
    'POST /estimate': async ({ body }) => {
      const req = parseWith(EstimateRequest, body);
      const result = estimateWorkload(
        {
          ...req,
          lineItems: req.lineItems.map((item) => ({
            name: item.name,
            monthlyNano: fromUsd(item.monthlyUsd),
          })),
          selfHosted: req.selfHosted && {
            upfrontNano: fromUsd(req.selfHosted.upfrontUsd),
            monthlyNano: fromUsd(req.selfHosted.monthlyUsd),
          },
        },
        new Date().toISOString(),
      );
      return json(200, toEstimateResponse(result));
    },
  };
}
