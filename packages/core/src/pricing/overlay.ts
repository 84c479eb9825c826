import type { DataVersion } from './genai-prices-import.js';
import type { Scope, TokenRates } from './types.js';

/*
 * The Bedrock overlay: where our own rules differ from the genai-prices data the catalog is built
 * from. Each difference is named with its reason and source; the coverage test
 * (`genai-prices-crosscheck.test.ts`) expects exactly these differences and fails when one
 * disappears or a new one appears. Everything else is genai-prices' data as converted.
 *
 * Not a difference: Nova (and other models listing a cache-read but no cache-write price) bill
 * cache writes at the input rate. Bedrock charges no cache-write surcharge for them, and
 * genai-prices' own calculation bills those tokens as input, so the conversion yields that rate.
 */

/** Which kind of call a difference changes, as the coverage test names them. */
export type DifferenceField = 'cacheRead' | 'cacheWrite' | 'longContext' | 'history' | 'model';

export interface OverlayDifference {
  /** Canonical model id (after {@link LEGACY_MODELS} renames). */
  readonly modelId: string;
  readonly field: DifferenceField;
  readonly scopes: readonly Scope[];
  readonly reason: string;
  readonly source: string;
}

const ALL_SCOPES: readonly Scope[] = ['in-region', 'geo', 'global'];
const BEDROCK_PRICING = 'https://aws.amazon.com/bedrock/pricing/';
const BEDROCK_PRICE = 'Amazon Bedrock on-demand list price';

/**
 * The day given to a genai-prices price that carries no start date: Amazon Bedrock's general
 * availability (2023-09-28). Models of the hand-written catalog keep the day their records'
 * `priceVersion` names (see {@link LEGACY_MODELS}).
 */
export const UNDATED_FROM = '2023-09-28';

/** Names, aliases and first price days of the models the catalog carried before it became data. */
export interface LegacyModel {
  /** The canonical id when it differs from genai-prices' id. */
  readonly modelId?: string;
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly contextVariants?: readonly string[];
  /** `effectiveFrom` of the first price version; records store `<modelId>@<from>`. */
  readonly from: string;
}

/** Keyed by genai-prices' Bedrock id (without its `global.`/`regional.` prefix). */
export const LEGACY_MODELS: Readonly<Record<string, LegacyModel>> = {
  'anthropic.claude-3-haiku-20240307-v1:0': {
    name: 'Claude 3 Haiku',
    aliases: ['claude-3-haiku-20240307'],
    contextVariants: ['48k', '200k'],
    from: '2024-03-13',
  },
  'anthropic.claude-3-5-haiku-20241022-v1:0': {
    name: 'Claude 3.5 Haiku',
    aliases: ['claude-3-5-haiku-20241022', 'claude-3-5-haiku-latest'],
    from: '2024-12-02',
  },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': {
    name: 'Claude 3.5 Sonnet',
    aliases: ['claude-3-5-sonnet-20240620'],
    contextVariants: ['18k', '51k', '200k'],
    from: '2024-06-20',
  },
  'anthropic.claude-3-5-sonnet-20241022-v2:0': {
    name: 'Claude 3.5 Sonnet v2',
    aliases: ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet-latest'],
    contextVariants: ['18k', '51k', '200k'],
    from: '2024-10-22',
  },
  'anthropic.claude-3-7-sonnet-20250219-v1:0': {
    name: 'Claude 3.7 Sonnet',
    aliases: ['claude-3-7-sonnet-20250219', 'claude-3-7-sonnet-latest'],
    from: '2025-02-24',
  },
  'anthropic.claude-sonnet-4-20250514-v1:0': {
    name: 'Claude Sonnet 4',
    aliases: ['claude-sonnet-4-20250514', 'claude-sonnet-4-0'],
    from: '2025-05-22',
  },
  'anthropic.claude-sonnet-4-5-20250929-v1:0': {
    name: 'Claude Sonnet 4.5',
    aliases: ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    from: '2025-09-29',
  },
  'anthropic.claude-haiku-4-5-20251001-v1:0': {
    name: 'Claude Haiku 4.5',
    aliases: ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    from: '2025-10-15',
  },
  'anthropic.claude-3-opus-20240229-v1:0': {
    name: 'Claude 3 Opus',
    aliases: ['claude-3-opus-20240229', 'claude-3-opus-latest'],
    contextVariants: ['12k', '28k', '200k'],
    from: '2024-04-16',
  },
  'anthropic.claude-opus-4-20250514-v1:0': {
    name: 'Claude Opus 4',
    aliases: ['claude-opus-4-20250514', 'claude-opus-4-0'],
    from: '2025-05-22',
  },
  'anthropic.claude-opus-4-1-20250805-v1:0': {
    name: 'Claude Opus 4.1',
    aliases: ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    from: '2025-08-05',
  },
  // genai-prices keys Opus 4.5 as `anthropic.claude-opus-4-5-v1:0`; Bedrock's foundation-model id
  // (and every record priced so far) carries the date.
  'anthropic.claude-opus-4-5-v1:0': {
    modelId: 'anthropic.claude-opus-4-5-20251101-v1:0',
    name: 'Claude Opus 4.5',
    aliases: ['claude-opus-4-5-20251101', 'claude-opus-4-5'],
    from: '2025-11-24',
  },
  'amazon.nova-micro-v1:0': {
    name: 'Amazon Nova Micro',
    aliases: ['nova-micro'],
    contextVariants: ['128k'],
    from: '2024-12-03',
  },
  'amazon.nova-lite-v1:0': {
    name: 'Amazon Nova Lite',
    aliases: ['nova-lite'],
    contextVariants: ['300k'],
    from: '2024-12-03',
  },
  'amazon.nova-pro-v1:0': {
    name: 'Amazon Nova Pro',
    aliases: ['nova-pro'],
    contextVariants: ['300k'],
    from: '2024-12-03',
  },
  'amazon.nova-premier-v1:0': { name: 'Amazon Nova Premier', aliases: ['nova-premier'], from: '2025-04-30' },
  'meta.llama3-8b-instruct-v1:0': { name: 'Llama 3 8B Instruct', from: '2024-04-23' },
  'meta.llama3-70b-instruct-v1:0': { name: 'Llama 3 70B Instruct', from: '2024-04-23' },
  'meta.llama3-1-8b-instruct-v1:0': { name: 'Llama 3.1 8B Instruct', from: '2024-07-23' },
  'meta.llama3-1-70b-instruct-v1:0': { name: 'Llama 3.1 70B Instruct', from: '2024-07-23' },
  'meta.llama3-2-1b-instruct-v1:0': { name: 'Llama 3.2 1B Instruct', from: '2024-09-25' },
  'meta.llama3-2-3b-instruct-v1:0': { name: 'Llama 3.2 3B Instruct', from: '2024-09-25' },
  'meta.llama3-2-11b-instruct-v1:0': { name: 'Llama 3.2 11B Vision Instruct', from: '2024-09-25' },
  'meta.llama3-2-90b-instruct-v1:0': { name: 'Llama 3.2 90B Vision Instruct', from: '2024-09-25' },
  'meta.llama3-3-70b-instruct-v1:0': { name: 'Llama 3.3 70B Instruct', from: '2024-12-19' },
  'meta.llama4-scout-17b-instruct-v1:0': { name: 'Llama 4 Scout 17B Instruct', from: '2025-04-28' },
  'meta.llama4-maverick-17b-instruct-v1:0': { name: 'Llama 4 Maverick 17B Instruct', from: '2025-04-28' },
  'mistral.mistral-7b-instruct-v0:2': { name: 'Mistral 7B Instruct', from: '2024-03-01' },
  'mistral.mixtral-8x7b-instruct-v0:1': { name: 'Mixtral 8x7B Instruct', from: '2024-03-01' },
  'mistral.mistral-large-2402-v1:0': { name: 'Mistral Large (24.02)', from: '2024-04-02' },
  'mistral.mistral-small-2402-v1:0': { name: 'Mistral Small (24.02)', from: '2024-05-23' },
  'mistral.pixtral-large-2502-v1:0': { name: 'Pixtral Large (25.02)', from: '2025-04-08' },
};

function rates(
  input: number,
  output: number,
  read: number | null = null,
  write: number | null = null,
): TokenRates {
  return {
    inputNanoPerMTok: input,
    outputNanoPerMTok: output,
    cacheReadNanoPerMTok: read,
    cacheWriteNanoPerMTok: write,
  };
}

/** A change the overlay makes to a converted model: its versions, replaced. */
export interface OverlayPatch {
  readonly difference: readonly OverlayDifference[];
  readonly apply: (versions: readonly DataVersion[]) => DataVersion[];
}

const LONG_CONTEXT_REASON =
  'genai-prices has no long-context tier for this model on Bedrock; Bedrock bills a whole request whose input (cached input included) exceeds 200k tokens at x2 input and cache, x1.5 output';

/** Long-context tier above 200k input tokens: input and cache x2, output x1.5 (of each scope's rates). */
function sonnetLongContext(v: DataVersion): DataVersion {
  const scale = (r: TokenRates): TokenRates =>
    rates(
      r.inputNanoPerMTok * 2,
      (r.outputNanoPerMTok * 3) / 2,
      r.cacheReadNanoPerMTok === null ? null : r.cacheReadNanoPerMTok * 2,
      r.cacheWriteNanoPerMTok === null ? null : r.cacheWriteNanoPerMTok * 2,
    );
  return {
    ...v,
    longContext: {
      aboveInputTokens: 200_000,
      rates: scale(v.rates),
      ...(v.globalRates ? { globalRates: scale(v.globalRates) } : {}),
    },
  };
}

function longContextPatch(modelId: string): OverlayPatch {
  return {
    difference: [
      {
        modelId,
        field: 'longContext',
        scopes: ALL_SCOPES,
        reason: LONG_CONTEXT_REASON,
        source: BEDROCK_PRICING,
      },
    ],
    apply: (versions) => versions.map(sonnetLongContext),
  };
}

const NO_CACHE_REASON =
  'genai-prices copies the Anthropic API cache rates; the Bedrock price list has none (N/A) for Claude 3.5 Sonnet v1, so cache tokens on it are refused';

/** Patches keyed by genai-prices' Bedrock id. */
export const OVERLAY_PATCHES: Readonly<Record<string, OverlayPatch>> = {
  'anthropic.claude-3-5-sonnet-20240620-v1:0': {
    difference: (['cacheRead', 'cacheWrite'] as const).map((field) => ({
      modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      field,
      scopes: ALL_SCOPES,
      reason: NO_CACHE_REASON,
      source: BEDROCK_PRICING,
    })),
    apply: (versions) =>
      versions.map((v) => ({
        ...v,
        rates: { ...v.rates, cacheReadNanoPerMTok: null, cacheWriteNanoPerMTok: null },
      })),
  },
  'anthropic.claude-sonnet-4-20250514-v1:0': longContextPatch('anthropic.claude-sonnet-4-20250514-v1:0'),
  'anthropic.claude-sonnet-4-5-20250929-v1:0': longContextPatch('anthropic.claude-sonnet-4-5-20250929-v1:0'),
  'anthropic.claude-3-5-haiku-20241022-v1:0': {
    difference: [
      {
        modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
        field: 'history',
        scopes: ALL_SCOPES,
        reason:
          'genai-prices keeps only the price after the cut of 2024-12-02 (USD 0.80/4); Claude 3.5 Haiku launched on Bedrock on 2024-11-04 at USD 1/5 without prompt caching, and records priced then name that version',
        source:
          'https://aws.amazon.com/about-aws/whats-new/2024/11/anthropics-claude-3-5-haiku-model-amazon-bedrock/',
      },
    ],
    apply: (versions) => [
      { effectiveFrom: '2024-11-04', rates: rates(1_000_000_000, 5_000_000_000) },
      ...versions,
    ],
  },
};

/** A model genai-prices does not list, with its price history. */
export interface OverlayModel {
  readonly modelId: string;
  readonly name: string;
  readonly versions: readonly DataVersion[];
  readonly difference: OverlayDifference;
}

function missingModel(
  modelId: string,
  name: string,
  from: string,
  r: TokenRates,
  region: string,
): OverlayModel {
  return {
    modelId,
    name,
    versions: [{ effectiveFrom: from, rates: r }],
    difference: {
      modelId,
      field: 'model',
      scopes: ['in-region'],
      reason: `genai-prices does not list this model on Bedrock; ${BEDROCK_PRICE} (${region}; current list price)`,
      source: BEDROCK_PRICING,
    },
  };
}

export const OVERLAY_MODELS: readonly OverlayModel[] = [
  missingModel(
    'meta.llama3-1-405b-instruct-v1:0',
    'Llama 3.1 405B Instruct',
    '2024-07-23',
    rates(2_400_000_000, 2_400_000_000),
    'us-west-2',
  ),
  missingModel(
    'mistral.mistral-large-2407-v1:0',
    'Mistral Large 2 (24.07)',
    '2024-07-24',
    rates(3_000_000_000, 9_000_000_000),
    'us-west-2',
  ),
];

/** Every difference the overlay makes to genai-prices' prices. */
export const OVERLAY_DIFFERENCES: readonly OverlayDifference[] = [
  ...Object.values(OVERLAY_PATCHES).flatMap((p) => p.difference),
  ...OVERLAY_MODELS.map((m) => m.difference),
];
