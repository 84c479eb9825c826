import { EstimateRequest } from '@cost-management/contract';
import { estimateWorkload, fromUsd, toUsd } from '@cost-management/core';
import { httpHandler, json, parseWith } from '../shared/http-handler.js';

export const handler = httpHandler(async ({ body }) => {
  const req = parseWith(EstimateRequest, body);
  const result = estimateWorkload(
    {
      ...req,
      lineItems: req.lineItems.map((item) => ({ name: item.name, monthlyNano: fromUsd(item.monthlyUsd) })),
      selfHosted: req.selfHosted && {
        upfrontNano: fromUsd(req.selfHosted.upfrontUsd),
        monthlyNano: fromUsd(req.selfHosted.monthlyUsd),
      },
    },
    new Date().toISOString(),
  );
  return json(200, {
    modelId: result.modelId,
    days: result.days,
    priceVersion: result.priceVersion,
    totals: {
      inputTokens: result.totals.inputTokens,
      outputTokens: result.totals.outputTokens,
      cacheReadInputTokens: result.totals.cacheReadInputTokens,
      cacheWriteInputTokens: result.totals.cacheWriteInputTokens,
      llmCostUsd: toUsd(result.totals.llmCostNano),
      lineItemsUsd: toUsd(result.totals.lineItemsNano),
      totalUsd: toUsd(result.totals.totalNano),
    },
    byOperation: result.byOperation.map((op) => ({
      name: op.name,
      calls: op.calls,
      inputTokens: op.inputTokens,
      outputTokens: op.outputTokens,
      costPerCallUsd: toUsd(op.costPerCallNano),
      costUsd: toUsd(op.costNano),
    })),
    alternatives: result.alternatives.map((alt) => ({
      modelId: alt.modelId,
      llmCostUsd: toUsd(alt.llmCostNano),
      savingsUsd: toUsd(alt.savingsNano),
      savingsPercent: alt.savingsPercent,
    })),
    selfHosted: result.selfHosted && {
      breakEvenMonths: result.selfHosted.breakEvenMonths,
      firstYearSavingsUsd: toUsd(result.selfHosted.firstYearSavingsNano),
    },
  });
});
