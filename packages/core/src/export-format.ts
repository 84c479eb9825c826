import { ValidationError } from './errors.js';
import { type NanoUsd, nano } from './money.js';

/** The CSV export's header line, exactly as the REST contract gives it. */
export const EXPORT_CSV_HEADER =
  'timestamp,requestId,userId,modelId,operation,inputTokens,outputTokens,cacheReadInputTokens,cacheWriteInputTokens,costUsd';

/** RFC 4180 record separator: put it after the header and after every row. */
export const EXPORT_CSV_LINE_END = '\r\n';

/** One usage record as the export writes it. */
export interface ExportRecord {
  /** ISO-8601 UTC. */
  timestamp: string;
  requestId: string;
  userId: string;
  modelId: string;
  operation?: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  costNano: NanoUsd;
}

const NANOS_PER_USD = 1_000_000_000n;

/**
 * Exact decimal text of a nano-USD amount in dollars, with no exponent and no trailing zeros:
 * `10_500_000` -> `"0.0105"`, `35` -> `"0.000000035"`, `2_000_000_000` -> `"2"`, `-5` -> `"-0.000000005"`.
 * Throws `MoneyRangeError` when the value is not a safe integer.
 */
export function nanoToDecimalString(value: NanoUsd): string {
  const amount = BigInt(nano(value));
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const whole = (abs / NANOS_PER_USD).toString();
  const frac = (abs % NANOS_PER_USD).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** First characters that make a spreadsheet read a cell as a formula (or hide its start). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One text cell: a leading `'` when the text starts like a formula (CSV injection), then
 * RFC 4180 quoting when it holds a comma, double quote, CR or LF (quotes doubled).
 */
export function csvTextField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function countField(value: number, path: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${path} must be a non-negative integer`, [
      { path, message: `${value} is not a non-negative integer` },
    ]);
  }
  return String(value);
}

/**
 * One CSV row (without line end) in the column order of {@link EXPORT_CSV_HEADER}. Text cells
 * are protected against formula injection and quoted per RFC 4180; a missing operation is an
 * empty cell; `costUsd` is the exact decimal dollar amount. Throws `ValidationError` for a
 * token count that is not a non-negative integer and `MoneyRangeError` for an inexact cost.
 */
export function toCsvRow(record: ExportRecord): string {
  return [
    csvTextField(record.timestamp),
    csvTextField(record.requestId),
    csvTextField(record.userId),
    csvTextField(record.modelId),
    csvTextField(record.operation ?? ''),
    countField(record.inputTokens, 'inputTokens'),
    countField(record.outputTokens, 'outputTokens'),
    countField(record.cacheReadInputTokens, 'cacheReadInputTokens'),
    countField(record.cacheWriteInputTokens, 'cacheWriteInputTokens'),
    nanoToDecimalString(record.costNano),
  ].join(',');
}
