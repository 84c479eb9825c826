import { MoneyRangeError, ValidationError } from './errors.js';
import { divRoundHalfEven, type NanoUsd, unitsToNano, usdDecimalToUnits } from './money.js';

/*
 * Reconciliation of what the service priced with what AWS billed for Amazon Bedrock.
 *
 * The bill (Cost Explorer grouped by USAGE_TYPE and REGION, or a CUR 2.0 export) names Bedrock
 * usage by usage type: `{region code}-{billing name}-{token type}[-{variant}]`, e.g.
 * `USE1-Claude3Haiku-input-tokens`, `USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global`,
 * `USE1-Llama3-1-405B-output-tokens-batch`. The billing name is not a model id: the table below
 * maps it to the catalog's canonical id. A usage type whose billing name is not in the table
 * stays in the result as an unmapped row (model `null`), so its money is still in the totals
 * and in the gap.
 */

/** Usage-type region codes (the prefix before the first `-`) to AWS Regions. */
export const USAGE_TYPE_REGIONS: Readonly<Record<string, string>> = {
  USE1: 'us-east-1',
  USE2: 'us-east-2',
  USW1: 'us-west-1',
  USW2: 'us-west-2',
  UGW1: 'us-gov-west-1',
  UGE1: 'us-gov-east-1',
  CAN1: 'ca-central-1',
  SAE1: 'sa-east-1',
  EU: 'eu-west-1',
  EUW1: 'eu-west-1',
  EUW2: 'eu-west-2',
  EUW3: 'eu-west-3',
  EUC1: 'eu-central-1',
  EUC2: 'eu-central-2',
  EUN1: 'eu-north-1',
  EUS1: 'eu-south-1',
  EUS2: 'eu-south-2',
  APN1: 'ap-northeast-1',
  APN2: 'ap-northeast-2',
  APN3: 'ap-northeast-3',
  APS1: 'ap-southeast-1',
  APS2: 'ap-southeast-2',
  APS3: 'ap-south-1',
  APS4: 'ap-southeast-3',
  APS5: 'ap-south-2',
  APS6: 'ap-southeast-4',
  MES1: 'me-south-1',
  MEC1: 'me-central-1',
  AFS1: 'af-south-1',
};

/**
 * Bedrock billing names (the model part of a usage type; matched without regard to case) to
 * catalog model ids. Names seen in AWS price lists and bills: Claude3Haiku, Claude3.5Sonnet,
 * Claude3.5SonnetV2, Claude3.7Sonnet, Claude4Sonnet, Claude4.5Haiku, Claude4.5Opus, NovaPro,
 * Llama3-1-405B; the others follow the same pattern for their model and should be checked
 * against a bill before an alert on them is trusted.
 */
export const BEDROCK_BILLING_NAMES: Readonly<Record<string, string>> = {
  Claude3Haiku: 'anthropic.claude-3-haiku-20240307-v1:0',
  'Claude3.5Haiku': 'anthropic.claude-3-5-haiku-20241022-v1:0',
  'Claude3.5Sonnet': 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'Claude3.5SonnetV2': 'anthropic.claude-3-5-sonnet-20241022-v2:0',
  'Claude3.7Sonnet': 'anthropic.claude-3-7-sonnet-20250219-v1:0',
  Claude4Sonnet: 'anthropic.claude-sonnet-4-20250514-v1:0',
  'Claude4.5Sonnet': 'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'Claude4.5Haiku': 'anthropic.claude-haiku-4-5-20251001-v1:0',
  Claude3Opus: 'anthropic.claude-3-opus-20240229-v1:0',
  Claude4Opus: 'anthropic.claude-opus-4-20250514-v1:0',
  'Claude4.1Opus': 'anthropic.claude-opus-4-1-20250805-v1:0',
  'Claude4.5Opus': 'anthropic.claude-opus-4-5-20251101-v1:0',
  NovaMicro: 'amazon.nova-micro-v1:0',
  NovaLite: 'amazon.nova-lite-v1:0',
  NovaPro: 'amazon.nova-pro-v1:0',
  NovaPremier: 'amazon.nova-premier-v1:0',
  'Llama3-1-8B': 'meta.llama3-1-8b-instruct-v1:0',
  'Llama3-1-70B': 'meta.llama3-1-70b-instruct-v1:0',
  'Llama3-1-405B': 'meta.llama3-1-405b-instruct-v1:0',
  'Llama3-2-1B': 'meta.llama3-2-1b-instruct-v1:0',
  'Llama3-2-3B': 'meta.llama3-2-3b-instruct-v1:0',
  'Llama3-2-11B': 'meta.llama3-2-11b-instruct-v1:0',
  'Llama3-2-90B': 'meta.llama3-2-90b-instruct-v1:0',
  'Llama3-3-70B': 'meta.llama3-3-70b-instruct-v1:0',
};

const BILLING_NAMES_LOWER = new Map(
  Object.entries(BEDROCK_BILLING_NAMES).map(([name, modelId]) => [name.toLowerCase(), modelId]),
);

export type UsageTokenType = 'input' | 'output' | 'cache-read' | 'cache-write';

const TOKEN_TYPES: Record<string, UsageTokenType> = {
  'input-tokens': 'input',
  'output-tokens': 'output',
  'cache-read-input-token-count': 'cache-read',
  'cache-write-input-token-count': 'cache-write',
};

/** A Bedrock token usage type, taken apart. */
export interface ParsedUsageType {
  usageType: string;
  regionCode: string;
  /** Undefined for a region code not in `USAGE_TYPE_REGIONS`. */
  region: string | undefined;
  billingName: string;
  /** The catalog model, or null when the billing name is not in `BEDROCK_BILLING_NAMES`. */
  modelId: string | null;
  tokenType: UsageTokenType;
  /** What follows the token type: `cross-region-global`, `batch`, `flex`, `latency-optimized`, … */
  variant: string | null;
}

const USAGE_TYPE =
  /^([A-Z]{2,4}\d?)-(.+?)-(input-tokens|output-tokens|cache-read-input-token-count|cache-write-input-token-count)(?:-(.+))?$/;

/** Parses a Bedrock token usage type; undefined for other usage (provisioned throughput, images, …). */
export function parseUsageType(usageType: string): ParsedUsageType | undefined {
  const match = USAGE_TYPE.exec(usageType.trim());
  if (!match) return undefined;
  const [, regionCode = '', billingName = '', token = '', variant] = match;
  return {
    usageType: usageType.trim(),
    regionCode,
    region: USAGE_TYPE_REGIONS[regionCode],
    billingName,
    modelId: BILLING_NAMES_LOWER.get(billingName.toLowerCase()) ?? null,
    tokenType: TOKEN_TYPES[token] as UsageTokenType,
    variant: variant ?? null,
  };
}

/** What the service priced: nano-USD per UTC day, Region and catalog model. */
export interface TrackedCost {
  date: string;
  region: string;
  modelId: string;
  nano: NanoUsd;
}

/** One billed amount: a day, a Region (when the bill names one), a usage type, and USD as decimal text. */
export interface BilledLineItem {
  date: string;
  region?: string | null;
  usageType: string;
  amount: string;
}

export interface GapFigures {
  trackedNano: NanoUsd;
  billedNano: NanoUsd;
  /** billed - tracked: positive when AWS billed more than the service priced. */
  gapNano: NanoUsd;
  /**
   * The gap as a percentage of the bill, rounded half to even to two decimals; when nothing
   * was billed, 0 if nothing was tracked either, else -100.
   */
  gapPercent: number;
}

export interface ReconciliationRow extends GapFigures {
  date: string;
  region: string;
  /** Null for billed usage types that map to no catalog model. */
  modelId: string | null;
  /** The billed usage types of the row, sorted. */
  usageTypes: string[];
  /** Whether this row's gap exceeds the threshold share. */
  exceeded: boolean;
}

export interface ReconciliationReport {
  rows: ReconciliationRow[];
  totals: GapFigures;
  thresholdPercent: number;
  /** Whether the total unexplained gap exceeds `thresholdPercent` of the bill (either way). */
  exceeded: boolean;
  /** Billed usage types that are not token usage (images, provisioned throughput …): left out, listed. */
  ignoredUsageTypes: string[];
  /** What those cost, exact to the nano-dollar: money no call record can explain. */
  ignoredBilledNano: NanoUsd;
}

export const DEFAULT_GAP_THRESHOLD_PERCENT = 2;
/** Billed amounts are summed exactly at this many decimals of a dollar, then rounded once to nano-USD. */
const BILL_SCALE = 18;

function figures(trackedNano: NanoUsd, billedNano: NanoUsd): GapFigures {
  const gapNano = billedNano - trackedNano;
  let gapPercent: number;
  if (billedNano === 0) gapPercent = trackedNano === 0 ? 0 : -100;
  else {
    const hundredths = divRoundHalfEven(BigInt(Math.abs(gapNano)) * 10_000n, BigInt(Math.abs(billedNano)));
    gapPercent = (Math.sign(gapNano) * Number(hundredths)) / 100;
  }
  return { trackedNano, billedNano, gapNano, gapPercent };
}

/** |gap| > threshold% of the bill, decided in integers; with nothing billed, any tracked cost exceeds. */
function exceeds(f: GapFigures, basisPoints: bigint): boolean {
  if (f.billedNano === 0) return f.trackedNano !== 0;
  return BigInt(Math.abs(f.gapNano)) * 10_000n > basisPoints * BigInt(Math.abs(f.billedNano));
}

/**
 * Compares tracked and billed cost per day, Region and model. Billed line items are summed
 * exactly (at 10^-18 USD) per row and rounded once to nano-USD. A billed usage type that is not
 * token usage is listed in `ignoredUsageTypes` and left out; one of an unknown model lands in a
 * row with `modelId: null`.
 */
export function reconcile(input: {
  tracked: readonly TrackedCost[];
  billed: readonly BilledLineItem[];
  thresholdPercent?: number;
}): ReconciliationReport {
  const thresholdPercent = input.thresholdPercent ?? DEFAULT_GAP_THRESHOLD_PERCENT;
  if (!Number.isFinite(thresholdPercent) || thresholdPercent < 0) {
    throw new ValidationError(`thresholdPercent must be a non-negative number, got ${thresholdPercent}`, [
      { path: 'thresholdPercent', message: 'must be a non-negative number' },
    ]);
  }
  const basisPoints = BigInt(Math.round(thresholdPercent * 100));
  const rows = new Map<
    string,
    {
      date: string;
      region: string;
      modelId: string | null;
      tracked: NanoUsd;
      billed: bigint;
      usageTypes: Set<string>;
    }
  >();
  const row = (date: string, region: string, modelId: string | null) => {
    const key = JSON.stringify([date, region, modelId]);
    let entry = rows.get(key);
    if (!entry) {
      entry = { date, region, modelId, tracked: 0, billed: 0n, usageTypes: new Set() };
      rows.set(key, entry);
    }
    return entry;
  };
  for (const t of input.tracked) {
    const entry = row(t.date, t.region, t.modelId);
    entry.tracked += t.nano;
    if (!Number.isSafeInteger(entry.tracked)) throw new MoneyRangeError('tracked cost out of range');
  }
  const ignored = new Set<string>();
  let ignoredUnits = 0n;
  for (const item of input.billed) {
    const parsed = parseUsageType(item.usageType);
    if (!parsed) {
      ignored.add(item.usageType);
      ignoredUnits += usdDecimalToUnits(item.amount, BILL_SCALE);
      continue;
    }
    const region = item.region || parsed.region || parsed.regionCode;
    const entry = row(item.date, region, parsed.modelId);
    entry.billed += usdDecimalToUnits(item.amount, BILL_SCALE);
    entry.usageTypes.add(parsed.usageType);
  }

  // Code-unit order (not locale order), unmapped models last.
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...rows.values()].sort(
    (a, b) =>
      cmp(a.date, b.date) || cmp(a.region, b.region) || cmp(a.modelId ?? '\uffff', b.modelId ?? '\uffff'),
  );
  let trackedTotal = 0;
  let billedTotal = 0n;
  const result: ReconciliationRow[] = sorted.map((entry) => {
    trackedTotal += entry.tracked;
    billedTotal += entry.billed;
    const f = figures(entry.tracked, unitsToNano(entry.billed, BILL_SCALE));
    return {
      date: entry.date,
      region: entry.region,
      modelId: entry.modelId,
      usageTypes: [...entry.usageTypes].sort(),
      ...f,
      exceeded: exceeds(f, basisPoints),
    };
  });
  if (!Number.isSafeInteger(trackedTotal)) throw new MoneyRangeError('tracked cost out of range');
  const totals = figures(trackedTotal, unitsToNano(billedTotal, BILL_SCALE));
  return {
    rows: result,
    totals,
    thresholdPercent,
    exceeded: exceeds(totals, basisPoints),
    ignoredUsageTypes: [...ignored].sort(),
    ignoredBilledNano: unitsToNano(ignoredUnits, BILL_SCALE),
  };
}

/**
 * Splits CSV text (RFC 4180: quoted fields may hold commas, quotes doubled, line breaks) into
 * rows of fields. A trailing newline does not make an empty row.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i += 1;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') endRow();
    else if (ch !== '\r') field += ch;
    i += 1;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** The CUR 2.0 columns the reconciliation reads. */
export const CUR_COLUMNS = {
  usageStart: 'line_item_usage_start_date',
  productCode: 'line_item_product_code',
  usageType: 'line_item_usage_type',
  cost: 'line_item_unblended_cost',
  region: 'product_region_code',
  lineItemType: 'line_item_line_item_type',
} as const;

export interface CurImport {
  items: BilledLineItem[];
  /** Rows of other services, or of line item types other than usage (credits, discounts, tax …). */
  skipped: number;
  /** 2-based CSV line numbers (the header is line 1) of rows that could not be read. */
  errors: { line: number; message: string }[];
}

/**
 * Reads the Amazon Bedrock usage line items of a CUR 2.0 CSV export. Only rows whose
 * `line_item_product_code` is one of `productCodes` (default `AmazonBedrock`) and, when the
 * column is present, whose `line_item_line_item_type` is `Usage`, are kept: credits, discounts,
 * refunds and tax are what reconciliation cannot explain by calls and are reported apart.
 */
export function billedItemsFromCurCsv(
  text: string,
  options: { productCodes?: readonly string[] } = {},
): CurImport {
  const productCodes = options.productCodes ?? ['AmazonBedrock'];
  const [header = [], ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  const column = (name: string) => header.findIndex((h) => h.trim() === name);
  const at = {
    usageStart: column(CUR_COLUMNS.usageStart),
    productCode: column(CUR_COLUMNS.productCode),
    usageType: column(CUR_COLUMNS.usageType),
    cost: column(CUR_COLUMNS.cost),
    region: column(CUR_COLUMNS.region),
    lineItemType: column(CUR_COLUMNS.lineItemType),
  };
  const missing = (['usageStart', 'productCode', 'usageType', 'cost'] as const).filter((k) => at[k] < 0);
  if (missing.length > 0) {
    return {
      items: [],
      skipped: 0,
      errors: [{ line: 1, message: `missing column(s): ${missing.map((k) => CUR_COLUMNS[k]).join(', ')}` }],
    };
  }
  const result: CurImport = { items: [], skipped: 0, errors: [] };
  rows.forEach((fields, index) => {
    if (fields.length === 1 && fields[0] === '') return;
    const get = (i: number) => (i >= 0 ? (fields[i] ?? '').trim() : '');
    const lineItemType = get(at.lineItemType);
    if (!productCodes.includes(get(at.productCode)) || (at.lineItemType >= 0 && lineItemType !== 'Usage')) {
      result.skipped += 1;
      return;
    }
    const date = /^(\d{4}-\d{2}-\d{2})/.exec(get(at.usageStart))?.[1];
    const amount = get(at.cost);
    if (!date) {
      result.errors.push({
        line: index + 2,
        message: `no usage start date: ${JSON.stringify(get(at.usageStart))}`,
      });
      return;
    }
    try {
      usdDecimalToUnits(amount, BILL_SCALE);
    } catch (error) {
      result.errors.push({ line: index + 2, message: (error as Error).message });
      return;
    }
    result.items.push({ date, region: get(at.region) || null, usageType: get(at.usageType), amount });
  });
  return result;
}
