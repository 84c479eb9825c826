import type { NanoUsd } from '../money.js';

/**
 * How a call reached the model, which decides the rate for models with a regional premium:
 * - `global`: a `global.` cross-region inference profile;
 * - `geo`: a geographic cross-region inference profile (`us.`, `eu.`, `apac.`, `jp.`, `au.`, `us-gov.`);
 * - `in-region`: the plain foundation-model id (or its ARN, or an alias).
 */
export type Scope = 'global' | 'geo' | 'in-region';

/** The vendor part of a Bedrock model id (`anthropic`, `amazon`, `meta`, `openai` …). */
export type Provider = string;

/**
 * Where a price version comes from: the catalog built into the release, a price sync that added
 * it to the service scope later, or the tenant's own (negotiated) price.
 */
export type PriceSource = 'catalog' | 'sync' | 'tenant';

/**
 * Prices of the four token kinds, in integer nano-USD per million tokens
 * (USD 3 per MTok is 3_000_000_000). A cache rate is `null` when the model offers no prompt
 * caching on Bedrock at that price version.
 */
export interface TokenRates {
  readonly inputNanoPerMTok: NanoUsd;
  readonly outputNanoPerMTok: NanoUsd;
  readonly cacheReadNanoPerMTok: NanoUsd | null;
  readonly cacheWriteNanoPerMTok: NanoUsd | null;
  /**
   * Rate of cache writes with a 1-hour time-to-live, where the model lists one; without it such
   * writes bill at `cacheWriteNanoPerMTok`.
   */
  readonly cacheWrite1hNanoPerMTok?: NanoUsd;
}

/**
 * Rates that replace the standard ones for a whole request once its total input
 * (`inputTokens + cacheReadInputTokens + cacheWriteInputTokens`) exceeds `aboveInputTokens`.
 */
export interface LongContextTier {
  readonly aboveInputTokens: number;
  /** Long-context rates for geo and in-region calls (and global calls when `globalRates` is absent). */
  readonly rates: TokenRates;
  /** Long-context rates for `global.` calls, where they differ. */
  readonly globalRates?: TokenRates;
}

/** One price list of a model, in force from `effectiveFrom` until the next version. */
export interface PriceVersion {
  /** Stable identifier stored with every priced record: `<modelId>@<effectiveFrom>`. */
  readonly version: string;
  /**
   * First UTC day (`YYYY-MM-DD`, from 00:00:00Z) or ISO-8601 instant the version applies from.
   */
  readonly effectiveFrom: string;
  /** Who added the version; a tenant's version wins over the others from its `effectiveFrom`. */
  readonly source: PriceSource;
  /** Where the figures come from, in a few words. */
  readonly note: string;
  /** Standard rates for geo and in-region calls (and global calls when `globalRates` is absent). */
  readonly rates: TokenRates;
  /** Rates for `global.` calls, for models whose geo and in-region calls carry a premium over global. */
  readonly globalRates?: TokenRates;
  readonly longContext?: LongContextTier;
}

/** A model of the catalog with its price history. */
export interface ModelEntry {
  /** Canonical Bedrock foundation-model id, e.g. `anthropic.claude-3-5-sonnet-20240620-v1:0`. */
  readonly modelId: string;
  readonly provider: Provider;
  /** Human-readable name, e.g. `Claude 3.5 Sonnet`. */
  readonly name: string;
  /** Other names accepted for the model (resolved as in-region calls). */
  readonly aliases: readonly string[];
  /** Context-window variants Bedrock appends to the id, e.g. `200k` for `…-v1:0:200k`. */
  readonly contextVariants: readonly string[];
  /** Other spellings of the Bedrock id (e.g. `anthropic.claude-sonnet-4-6` for `…-v1:0`). */
  readonly spellings?: readonly string[];
  /**
   * Price versions ordered by `effectiveFrom` (ties in the order they were added); see
   * `versionAt` for which one is in force.
   */
  readonly prices: readonly PriceVersion[];
}

/** A model id (in any accepted form) resolved to a catalog entry. */
export interface ResolvedModel {
  readonly model: ModelEntry;
  readonly scope: Scope;
  /** The id exactly as the caller gave it. */
  readonly requestedId: string;
}

/** The prices that apply to one model, scope and instant. */
export interface EffectivePrice {
  readonly modelId: string;
  readonly scope: Scope;
  readonly version: string;
  readonly effectiveFrom: string;
  readonly rates: TokenRates;
  readonly longContext: { readonly aboveInputTokens: number; readonly rates: TokenRates } | null;
}

/** Token counts of one call, with Bedrock Converse semantics (`inputTokens` excludes cached input). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
  /** The part of `cacheWriteInputTokens` written with a 1-hour time-to-live. */
  cacheWrite1hInputTokens?: number;
}

export interface PriceUsageInput {
  modelId: string;
  usage: TokenUsage;
  /** ISO-8601 timestamp of the call; selects the price version in force. */
  at: string;
}

export interface CostBreakdown {
  inputNano: NanoUsd;
  outputNano: NanoUsd;
  cacheReadNano: NanoUsd;
  cacheWriteNano: NanoUsd;
}

export interface PricedUsage {
  /** Canonical model id of the catalog entry. */
  modelId: string;
  scope: Scope;
  /** Exactly `inputNano + outputNano + cacheReadNano + cacheWriteNano`. */
  costNano: NanoUsd;
  breakdown: CostBreakdown;
  priceVersion: string;
  /** True when the long-context rates applied. */
  longContext: boolean;
}
