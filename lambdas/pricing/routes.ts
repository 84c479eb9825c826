import { DeletePriceQuery, EstimateRequest, ModelIdInput, PutPriceRequest } from '@cost-management/contract';
import { estimateWorkload, fromUsd, listModels } from '@cost-management/core';
import { type HttpRequest, json, parseWith, pathParam } from '../platform/http.js';
import type { RouteTable } from '../platform/router.js';
import { callerOf } from '../privacy/ports/audit-log.js';
import { toEstimateResponse, toModelsResponse, toPriceVersion } from './mapper.js';
import type { EffectiveCatalog } from './ports/effective-catalog.js';
import { deletePrice, listPrices, type ManagePricesDeps, putPrice } from './use-cases/manage-prices.js';

export interface PricingRouteDeps {
  catalogOf: EffectiveCatalog;
  prices: ManagePricesDeps;
}

/** The model id of the path, URL-decoded (ids carry `:` and ARNs `/`). */
function modelIdOf(request: HttpRequest): string {
  const raw = request.pathParameters.modelId ?? '';
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Not percent-encoded: validated as it is.
  }
  const pathParameters = { ...request.pathParameters, modelId: decoded };
  return pathParam({ ...request, pathParameters }, 'modelId', ModelIdInput);
}

/** The pricing context's routes: the tenant's effective catalog, estimates and tenant prices. */
export function pricingRoutes(deps: PricingRouteDeps): RouteTable {
  return {
    'GET /models': async ({ tenantId }) =>
      json(200, toModelsResponse(listModels(await deps.catalogOf(tenantId)))),
    'POST /estimate': async ({ tenantId, body }) => {
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
        await deps.catalogOf(tenantId),
      );
      return json(200, toEstimateResponse(result));
    },
    'PUT /prices/{modelId}': async (request) => {
      const modelId = modelIdOf(request);
      const body = parseWith(PutPriceRequest, request.body);
      const { price, repriced } = await putPrice(
        deps.prices,
        request.tenantId,
        modelId,
        body,
        new Date(),
        callerOf(request),
      );
      return json(201, { ...toPriceVersion(price), repricedEvents: repriced });
    },
    'GET /prices': async ({ tenantId }) =>
      json(200, { items: (await listPrices(deps.prices, tenantId)).map(toPriceVersion) }),
    'DELETE /prices/{modelId}': async (request) => {
      const modelId = modelIdOf(request);
      const { effectiveFrom } = parseWith(DeletePriceQuery, request.query);
      await deletePrice(deps.prices, request.tenantId, modelId, effectiveFrom, new Date(), callerOf(request));
      return { status: 204 };
    },
  };
}
