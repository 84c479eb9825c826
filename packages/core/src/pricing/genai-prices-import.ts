import { fromUsd } from '../money.js';
import type { TokenRates } from './types.js';

/*
 * Conversion of the AWS Bedrock provider of the genai-prices data (the `aws` provider of
 * `@pydantic/genai-prices`, or the same JSON as published) into the catalog's data form: integer
 * nano-USD per MTok, converted once from the decimal text of each figure (never by multiplying
 * floats). Pure: the caller hands in the provider object, so the build script, the tests and a
 * price sync share one conversion.
 *
 * How genai-prices' rules become ours:
 * - Ids: genai-prices keys a model as `global.<bedrock id>` (the `global.` profile's price),
 *   `regional.<bedrock id>` (geo profiles and in-region calls) or the bare id (one price for every
 *   route). Both halves of a pair become one model keyed by the bedrock id: `rates` from the
 *   regional entry, `globalRates` from the global one where they differ.
 * - Matching: the literal strings of a model's match rules (`equals`, `starts_with`, `contains`,
 *   `ends_with`), less a profile prefix, become extra spellings of the id (`vendor.model…`) or
 *   aliases (no vendor part); resolution stays exact, never substring matching.
 * - Dated prices: each `start_date` constraint becomes a version from that day (00:00Z, as
 *   genai-prices compares); the unconstrained entry becomes a version with `effectiveFrom: null`
 *   (in force since before any recorded usage; the catalog gives it a day).
 * - Cache rates, as genai-prices' own calculation bills them: with neither a cache-read nor a
 *   cache-write price the model offers no prompt caching (both `null`); a missing one of the two
 *   is billed at the input rate (genai-prices counts those tokens as input). A 1-hour cache-write
 *   price is kept where listed; without one, 1-hour writes bill at the cache-write rate.
 * - Long context: tiered prices (`{base, tiers: [{start, price}]}`) become one long-context tier
 *   applying above `start` input tokens (cached input included); fields without tiers keep their
 *   base rate in it. A model whose tiers do not share one start is skipped with its reason.
 * - A missing `output_mtok` is an output rate of 0 (embeddings); a missing `input_mtok` skips the
 *   model. Price keys other than tokens (audio, images …) are listed, not priced.
 */

/** The parts of genai-prices' provider data this conversion reads. */
export interface GenaiTier {
  readonly start: number;
  readonly price: number;
}
export type GenaiPriceValue = number | { readonly base: number; readonly tiers: readonly GenaiTier[] };
export type GenaiModelPrice = Readonly<Record<string, GenaiPriceValue | undefined>>;
export interface GenaiConditionalPrice {
  readonly constraint?: { readonly type?: string; readonly start_date?: string };
  readonly prices: GenaiModelPrice;
}
export type GenaiMatch =
  | { readonly or: readonly GenaiMatch[] }
  | { readonly and: readonly GenaiMatch[] }
  | { readonly equals: string }
  | { readonly starts_with: string }
  | { readonly ends_with: string }
  | { readonly contains: string }
  | { readonly regex: string };
export interface GenaiModel {
  readonly id: string;
  readonly name?: string;
  readonly match: GenaiMatch;
  readonly prices: GenaiModelPrice | readonly GenaiConditionalPrice[];
}
export interface GenaiProvider {
  readonly id: string;
  readonly models: readonly GenaiModel[];
}

/** One price version in data form; `effectiveFrom: null` is genai-prices' unconstrained price. */
export interface DataLongContext {
  readonly aboveInputTokens: number;
  readonly rates: TokenRates;
  readonly globalRates?: TokenRates;
}
export interface DataVersion {
  readonly effectiveFrom: string | null;
  readonly rates: TokenRates;
  readonly globalRates?: TokenRates;
  readonly longContext?: DataLongContext;
}
export interface DataModel {
  /** The Bedrock model id: genai-prices' id without its `global.`/`regional.` prefix. */
  readonly modelId: string;
  readonly name: string | null;
  /** The genai-prices model ids merged into this model. */
  readonly genaiPricesIds: readonly string[];
  /** Other spellings of the Bedrock id accepted by genai-prices' match rules. */
  readonly spellings: readonly string[];
  /** Names without a vendor part accepted by the match rules. */
  readonly aliases: readonly string[];
  /** Price keys that are not token prices this catalog charges (audio, images …). */
  readonly unpricedKeys: readonly string[];
  readonly versions: readonly DataVersion[];
}
export interface CatalogData {
  readonly source: string;
  readonly models: readonly DataModel[];
  /** genai-prices models that could not be converted, with the reason. */
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
}

const TOKEN_KEYS = [
  'input_mtok',
  'output_mtok',
  'cache_read_mtok',
  'cache_write_mtok',
  'cache_write_1h_mtok',
];
/** Profile prefixes stripped from match-rule literals (genai-prices also names an `in.` geo profile). */
const LITERAL_PREFIXES = /^(?:global|regional|us|eu|apac|jp|au|us-gov|in)\./;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

class SkipModel extends Error {}

function nanoOf(usd: number): number {
  if (!(usd >= 0)) throw new SkipModel('a price that is not a non-negative number');
  return fromUsd(usd);
}

function tierStart(value: GenaiPriceValue | undefined): number | undefined {
  if (value === undefined || typeof value === 'number') return undefined;
  const [tier, ...more] = value.tiers;
  if (!tier || more.length > 0) throw new SkipModel('a price with other than one tier');
  return tier.start;
}

function pick(value: GenaiPriceValue | undefined, tiered: boolean): number | null {
  if (value === undefined) return null;
  if (typeof value === 'number') return nanoOf(value);
  return nanoOf(tiered ? (value.tiers[0] as GenaiTier).price : value.base);
}

function ratesOf(price: GenaiModelPrice, tiered: boolean): TokenRates {
  const input = pick(price.input_mtok, tiered);
  if (input === null) throw new SkipModel('no input_mtok price');
  const read = pick(price.cache_read_mtok, tiered);
  const write = pick(price.cache_write_mtok, tiered);
  const write1h = pick(price.cache_write_1h_mtok, tiered);
  const caching = read !== null || write !== null;
  return {
    inputNanoPerMTok: input,
    outputNanoPerMTok: pick(price.output_mtok, tiered) ?? 0,
    cacheReadNanoPerMTok: caching ? (read ?? input) : null,
    cacheWriteNanoPerMTok: caching ? (write ?? input) : null,
    ...(write1h !== null ? { cacheWrite1hNanoPerMTok: write1h } : {}),
  };
}

interface Converted {
  rates: TokenRates;
  longContext?: { aboveInputTokens: number; rates: TokenRates };
}

function convertPrice(price: GenaiModelPrice): Converted {
  const starts = new Set(TOKEN_KEYS.map((key) => tierStart(price[key])).filter((s) => s !== undefined));
  if (starts.size > 1) throw new SkipModel('tiers that start at different token counts');
  const [start] = [...starts];
  const rates = ratesOf(price, false);
  return start === undefined
    ? { rates }
    : { rates, longContext: { aboveInputTokens: start, rates: ratesOf(price, true) } };
}

function conditionalPrices(model: GenaiModel): readonly GenaiConditionalPrice[] {
  if (!Array.isArray(model.prices)) return [{ prices: model.prices as GenaiModelPrice }];
  const list = model.prices as readonly GenaiConditionalPrice[];
  for (const entry of list) {
    const c = entry.constraint;
    if (c && !(c.type === 'start_date' || c.type === undefined))
      throw new SkipModel(`a ${c.type} constraint`);
    if (c && !ISO_DAY.test(c.start_date ?? '')) throw new SkipModel('a start_date that is not a day');
  }
  return list;
}

/** The genai-prices entry in force on `day` (`null`: before any dated entry), as genai-prices selects it. */
function inForce(list: readonly GenaiConditionalPrice[], day: string | null): GenaiModelPrice {
  for (let i = list.length - 1; i >= 0; i--) {
    const entry = list[i] as GenaiConditionalPrice;
    const from = entry.constraint?.start_date;
    if (from === undefined || (day !== null && from <= day)) return entry.prices;
  }
  return (list[0] as GenaiConditionalPrice).prices;
}

function startDays(list: readonly GenaiConditionalPrice[]): string[] {
  return list.map((e) => e.constraint?.start_date).filter((d): d is string => d !== undefined);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function literals(match: GenaiMatch): string[] {
  if ('or' in match) return match.or.flatMap(literals);
  if ('and' in match) return match.and.flatMap(literals);
  if ('regex' in match) return [];
  return [Object.values(match)[0] as string];
}

function mergeVersions(regional: GenaiModel, global: GenaiModel | undefined): DataVersion[] {
  const regionalList = conditionalPrices(regional);
  const globalList = global ? conditionalPrices(global) : undefined;
  const days = [
    ...new Set([...startDays(regionalList), ...(globalList ? startDays(globalList) : [])]),
  ].sort();
  const hasUnconstrained = [...regionalList, ...(globalList ?? [])].some((e) => !e.constraint);
  const instants: (string | null)[] = hasUnconstrained || days.length === 0 ? [null, ...days] : days;
  return instants.map((day): DataVersion => {
    const ours = convertPrice(inForce(regionalList, day));
    const theirs = globalList ? convertPrice(inForce(globalList, day)) : undefined;
    const globalRates = theirs && !sameJson(theirs.rates, ours.rates) ? theirs.rates : undefined;
    const above = ours.longContext?.aboveInputTokens ?? theirs?.longContext?.aboveInputTokens;
    if (above === undefined)
      return { effectiveFrom: day, rates: ours.rates, ...(globalRates ? { globalRates } : {}) };
    const theirAbove = theirs?.longContext?.aboveInputTokens;
    if (ours.longContext && theirAbove !== undefined && theirAbove !== above) {
      throw new SkipModel('global and regional long-context tiers that start at different token counts');
    }
    // A side without tiers is flat: its long-context rates are its standard rates.
    const tierRates = ours.longContext?.rates ?? ours.rates;
    const tierGlobal = theirs ? (theirs.longContext?.rates ?? theirs.rates) : undefined;
    return {
      effectiveFrom: day,
      rates: ours.rates,
      ...(globalRates ? { globalRates } : {}),
      longContext: {
        aboveInputTokens: above,
        rates: tierRates,
        ...(tierGlobal && !sameJson(tierGlobal, tierRates) ? { globalRates: tierGlobal } : {}),
      },
    };
  });
}

function convertGroup(
  modelId: string,
  members: readonly GenaiModel[],
  vendors: ReadonlySet<string>,
): DataModel {
  const global = members.find((m) => m.id.startsWith('global.'));
  const regional = members.find((m) => !m.id.startsWith('global.'));
  if (!regional) throw new SkipModel('a global price only (no price for geo or in-region calls)');
  const spellings = new Set<string>();
  const aliases = new Set<string>();
  for (const member of members) {
    for (const literal of [member.id, ...literals(member.match)]) {
      const text = literal.toLowerCase().replace(LITERAL_PREFIXES, '');
      if (text === modelId) continue;
      (vendors.has(text.split('.')[0] as string) && text.includes('.') ? spellings : aliases).add(text);
    }
  }
  const unpriced = new Set<string>();
  for (const member of members) {
    for (const entry of conditionalPrices(member)) {
      for (const key of Object.keys(entry.prices)) if (!TOKEN_KEYS.includes(key)) unpriced.add(key);
    }
  }
  return {
    modelId,
    name: regional.name ?? global?.name ?? null,
    genaiPricesIds: members.map((m) => m.id).sort(),
    spellings: [...spellings].sort(),
    aliases: [...aliases].sort(),
    unpricedKeys: [...unpriced].sort(),
    versions: mergeVersions(regional, global),
  };
}

/** The Bedrock id genai-prices' id stands for: without its `global.` or `regional.` prefix. */
export function bedrockIdOfGenaiId(id: string): string {
  return id.replace(/^(?:global|regional)\./, '');
}

/**
 * Converts genai-prices' `aws` provider into catalog data: every model, with its dated versions,
 * tiers and cache rates in nano-USD per MTok, sorted by model id.
 */
export function convertGenaiPrices(provider: GenaiProvider): CatalogData {
  const groups = new Map<string, GenaiModel[]>();
  const vendors = new Set(provider.models.map((m) => bedrockIdOfGenaiId(m.id).split('.')[0] as string));
  for (const model of provider.models) {
    const key = bedrockIdOfGenaiId(model.id);
    groups.set(key, [...(groups.get(key) ?? []), model]);
  }
  const models: DataModel[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const [modelId, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    try {
      models.push(convertGroup(modelId, members, vendors));
    } catch (error) {
      if (!(error instanceof SkipModel)) throw error;
      skipped.push({ id: modelId, reason: `genai-prices lists ${error.message}` });
    }
  }
  return { source: `genai-prices provider '${provider.id}'`, models, skipped };
}
