import { z } from 'zod';
import { ModelIdInput, TokenCount, UsdAmount, UsdOut } from './primitives.js';

const Rates = z.object({
  inputPerMTokUsd: UsdOut,
  outputPerMTokUsd: UsdOut,
  cacheReadPerMTokUsd: UsdOut.nullable(),
  cacheWritePerMTokUsd: UsdOut.nullable(),
});

/**
 * One price version. The top-level rates apply to in-region calls and geo inference profiles
 * (`us.`, `eu.` …); `global` lists the `global.` profile's rates where they differ, and
 * `longContext` the rates once a request's input exceeds `aboveInputTokens`.
 */
export const ModelPrice = Rates.extend({
  version: z.string(),
  effectiveFrom: z.string(),
  source: z.string(),
  global: Rates.nullable(),
  longContext: Rates.extend({ aboveInputTokens: z.int() }).nullable(),
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

export const EstimateRequest = z
  .object({
    modelId: ModelIdInput,
    days: z.int().min(1).max(366).default(30),
    operations: z
      .array(
        z
          .object({
            name: z.string().min(1).max(100),
            inputTokens: TokenCount,
            outputTokens: TokenCount,
            cacheReadInputTokens: TokenCount.default(0),
            cacheWriteInputTokens: TokenCount.default(0),
            perDay: z.int().min(0).max(10_000_000),
          })
          .strict(),
      )
      .min(1)
      .max(100),
    compareModels: z.array(ModelIdInput).max(20).default([]),
    lineItems: z
      .array(z.object({ name: z.string().min(1).max(100), monthlyUsd: UsdAmount }).strict())
      .max(100)
      .default([]),
    selfHosted: z.object({ upfrontUsd: UsdAmount, monthlyUsd: UsdAmount }).strict().optional(),
  })
  .strict();
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
  selfHosted: z.object({ breakEvenMonths: z.number().nullable(), firstYearSavingsUsd: UsdOut }).nullable(),
});
export type EstimateResponse = z.infer<typeof EstimateResponse>;
