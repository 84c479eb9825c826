import { listModels, type TokenRates, toUsd } from '@cost-management/core';
import { httpHandler, json } from '../shared/http-handler.js';

function rates(r: TokenRates) {
  return {
    inputPerMTokUsd: toUsd(r.inputNanoPerMTok),
    outputPerMTokUsd: toUsd(r.outputNanoPerMTok),
    cacheReadPerMTokUsd: r.cacheReadNanoPerMTok === null ? null : toUsd(r.cacheReadNanoPerMTok),
    cacheWritePerMTokUsd: r.cacheWriteNanoPerMTok === null ? null : toUsd(r.cacheWriteNanoPerMTok),
  };
}

const body = {
  items: listModels().map((m) => ({
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

export const handler = httpHandler(async () => json(200, body));
