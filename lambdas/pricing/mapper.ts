import {
  type EstimateResult,
  type ModelEntry,
  type TokenRates,
  toUsd,
  versionId,
} from '@cost-management/core';
import type { StoredPrice } from './ports/price-store.js';

function rates(r: TokenRates) {
  return {
    inputPerMTokUsd: toUsd(r.inputNanoPerMTok),
    outputPerMTokUsd: toUsd(r.outputNanoPerMTok),
    cacheReadPerMTokUsd: r.cacheReadNanoPerMTok === null ? null : toUsd(r.cacheReadNanoPerMTok),
    cacheWritePerMTokUsd: r.cacheWriteNanoPerMTok === null ? null : toUsd(r.cacheWriteNanoPerMTok),
  };
}

/** The catalog in the contract's shape (`GET /models`). */
export function toModelsResponse(models: readonly ModelEntry[]) {
  return {
    items: models.map((m) => ({
      modelId: m.modelId,
      provider: m.provider,
      name: m.name,
      aliases: [...m.aliases],
      prices: m.prices.map((p) => ({
        version: p.version,
        effectiveFrom: p.effectiveFrom,
        source: p.source,
        ...rates(p.rates),
        global: p.globalRates ? rates(p.globalRates) : null,
        longContext: p.longContext
          ? { aboveInputTokens: p.longContext.aboveInputTokens, ...rates(p.longContext.rates) }
          : null,
      })),
    })),
  };
}

/** A workload estimate in the contract's shape (`POST /estimate`). */
export function toEstimateResponse(result: EstimateResult) {
  return {
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
  };
}

/** A stored tenant price version in the contract's shape (`/prices`). */
export function toPriceVersion(price: StoredPrice) {
  return {
    modelId: price.modelId,
    version: versionId(price.modelId, price.effectiveFrom, 'tenant'),
    effectiveFrom: price.effectiveFrom,
    source: 'tenant' as const,
    ...rates(price.rates),
    createdAt: price.createdAt,
    pricedEvents: price.pricedEvents,
  };
}
