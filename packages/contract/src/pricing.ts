import * as z from 'zod/mini';
import { IsoDay, IsoTimestamp, ModelIdInput, TokenCount, UsdAmount, UsdOut } from './primitives.js';

const Rates = z.object({
  inputPerMTokUsd: UsdOut,
  outputPerMTokUsd: UsdOut,
  cacheReadPerMTokUsd: z.nullable(UsdOut),
  cacheWritePerMTokUsd: z.nullable(UsdOut),
});

/**
 * One price version. The top-level rates apply to in-region calls and geo inference profiles
 * (`us.`, `eu.` …); `global` lists the `global.` profile's rates where they differ, and
 * `longContext` the rates once a request's input exceeds `aboveInputTokens`.
 */
export const ModelPrice = z.extend(Rates, {
  version: z.string(),
  effectiveFrom: z.string(),
  source: z.string(),
  global: z.nullable(Rates),
  longContext: z.nullable(z.extend(Rates, { aboveInputTokens: z.int() })),
});

export const ModelsResponse = z.object({
  items: z.array(
    z.object({
      modelId: z.string(),
      provider: z.string(),
      name: z.string(),
      aliases: z.array(z.string()),
      prices: z.array(ModelPrice),
    }),
  ),
});
export type ModelsResponse = z.infer<typeof ModelsResponse>;

export const EstimateRequest = z.strictObject({
  modelId: ModelIdInput,
  days: z._default(z.int().check(z.gte(1), z.lte(366)), 30),
  operations: z
    .array(
      z.strictObject({
        name: z.string().check(z.minLength(1), z.maxLength(100)),
        inputTokens: TokenCount,
        outputTokens: TokenCount,
        cacheReadInputTokens: z._default(TokenCount, 0),
        cacheWriteInputTokens: z._default(TokenCount, 0),
        perDay: z.int().check(z.gte(0), z.lte(10_000_000)),
      }),
    )
    .check(z.minLength(1), z.maxLength(100)),
  compareModels: z._default(z.array(ModelIdInput).check(z.maxLength(20)), []),
  lineItems: z._default(
    z
      .array(
        z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(100)), monthlyUsd: UsdAmount }),
      )
      .check(z.maxLength(100)),
    [],
  ),
  selfHosted: z.optional(z.strictObject({ upfrontUsd: UsdAmount, monthlyUsd: UsdAmount })),
});
export type EstimateRequest = z.input<typeof EstimateRequest>;

export const EstimateResponse = z.object({
  modelId: z.string(),
  days: z.int(),
  priceVersion: z.string(),
  totals: z.object({
    inputTokens: z.int(),
    outputTokens: z.int(),
    cacheReadInputTokens: z.int(),
    cacheWriteInputTokens: z.int(),
    llmCostUsd: UsdOut,
    lineItemsUsd: UsdOut,
    totalUsd: UsdOut,
  }),
  byOperation: z.array(
    z.object({
      name: z.string(),
      calls: z.int(),
      inputTokens: z.int(),
      outputTokens: z.int(),
      costPerCallUsd: UsdOut,
      costUsd: UsdOut,
    }),
  ),
  alternatives: z.array(
    z.object({ modelId: z.string(), llmCostUsd: UsdOut, savingsUsd: UsdOut, savingsPercent: z.number() }),
  ),
  selfHosted: z.nullable(z.object({ breakEvenMonths: z.nullable(z.number()), firstYearSavingsUsd: UsdOut })),
});
export type EstimateResponse = z.infer<typeof EstimateResponse>;

/** `PUT /prices/{modelId}`: a tenant price version, in USD per million tokens. */
export const PutPriceRequest = z.strictObject({
  effectiveFrom: z.union([IsoTimestamp, IsoDay]),
  inputPerMTokUsd: UsdAmount,
  outputPerMTokUsd: UsdAmount,
  cacheReadPerMTokUsd: z.optional(UsdAmount),
  cacheWritePerMTokUsd: z.optional(UsdAmount),
});
export type PutPriceRequest = z.input<typeof PutPriceRequest>;

/** A stored tenant price version. */
export const PriceVersionResponse = z.extend(Rates, {
  modelId: z.string(),
  version: z.string(),
  effectiveFrom: z.string(),
  source: z.literal('tenant'),
  createdAt: z.string(),
  pricedEvents: z.int(),
});

export const PutPriceResponse = z.extend(PriceVersionResponse, { repricedEvents: z.int() });

export const PricesResponse = z.object({ items: z.array(PriceVersionResponse) });

export const DeletePriceQuery = z.strictObject({ effectiveFrom: z.union([IsoTimestamp, IsoDay]) });
