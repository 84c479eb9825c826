import { MoneyRangeError } from './errors.js';

/**
 * Money is an integer number of nano-US-dollars (1e-9 USD). JavaScript numbers hold every
 * integer up to 2^53 exactly, i.e. about 9 million USD per amount, which bounds any single
 * aggregate the service keeps (per user and day or period). Arithmetic refuses to leave
 * that range instead of silently losing precision.
 */
export type NanoUsd = number;

export const NANOS_PER_USD = 1_000_000_000;
export const MAX_NANO_USD = Number.MAX_SAFE_INTEGER;

function assertNano(value: number, what: string): NanoUsd {
  if (!Number.isSafeInteger(value)) {
    throw new MoneyRangeError(`${what} is not an exact nano-USD amount: ${value}`);
  }
  return value;
}

export function nano(value: number): NanoUsd {
  return assertNano(value, 'amount');
}

/** Exact sum of nano amounts; throws rather than lose a nano-dollar. */
export function addNano(...values: NanoUsd[]): NanoUsd {
  let total = 0;
  for (const v of values) {
    assertNano(v, 'addend');
    total += v;
    assertNano(total, 'sum');
  }
  return total;
}

export function sumNano(values: Iterable<NanoUsd>): NanoUsd {
  return addNano(...values);
}

/**
 * Converts a nano-USD integer to the JSON number of dollars the API speaks. The decimal
 * string is built from integer digits and parsed once, so `toUsd(10_500_000) === 0.0105`
 * exactly as the literal 0.0105 (the closest double), never 0.010499999999999999.
 */
export function toUsd(value: NanoUsd): number {
  assertNano(value, 'amount');
  const negative = value < 0;
  const abs = Math.abs(value);
  const whole = Math.floor(abs / NANOS_PER_USD);
  const frac = abs % NANOS_PER_USD;
  const text = `${negative ? '-' : ''}${whole}.${String(frac).padStart(9, '0')}`;
  return Number(text);
}

/**
 * Parses a dollar amount given by a caller (a JSON number or a decimal string) into nano-USD.
 * Works on the decimal text, not by multiplying floats, so 0.1 becomes exactly 100_000_000.
 * More than nine decimals are refused rather than rounded.
 */
export function fromUsd(value: number | string): NanoUsd {
  const text = typeof value === 'number' ? numberToPlainString(value) : value.trim();
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new MoneyRangeError(`not a dollar amount: ${String(value)}`);
  const [, sign, whole = '0', fracRaw = ''] = match;
  const fracTrimmed = fracRaw.replace(/0+$/, '');
  if (fracTrimmed.length > 9) {
    throw new MoneyRangeError(`more precise than a nano-dollar: ${String(value)}`);
  }
  const nanos = BigInt(whole) * 1_000_000_000n + BigInt(fracTrimmed.padEnd(9, '0') || '0');
  const signed = sign ? -nanos : nanos;
  if (signed > BigInt(MAX_NANO_USD) || signed < -BigInt(MAX_NANO_USD)) {
    throw new MoneyRangeError(`amount out of range: ${String(value)}`);
  }
  return Number(signed);
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyRangeError(`not a finite amount: ${value}`);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // Exponent notation (1e-7, 1.5e+21): expand it exactly from its digits.
  const [mantissa = '', expText = '0'] = text.toLowerCase().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digitsPart = negative ? mantissa.slice(1) : mantissa;
  const [intPart = '', fracPart = ''] = digitsPart.split('.');
  const digits = intPart + fracPart;
  const point = intPart.length + exp;
  let plain: string;
  if (point <= 0) plain = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) plain = digits + '0'.repeat(point - digits.length);
  else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + plain;
}

/**
 * Cost in nano-USD of `tokens` at `nanoPerMTok` (nano-USD per million tokens), rounded once,
 * half to even, to a whole nano-dollar. Computed in BigInt so no intermediate rounds.
 */
export function costOfTokens(tokens: number, nanoPerMTok: number): NanoUsd {
  if (!Number.isSafeInteger(tokens) || tokens < 0) {
    throw new MoneyRangeError(`token count must be a non-negative integer: ${tokens}`);
  }
  assertNano(nanoPerMTok, 'price');
  const product = BigInt(tokens) * BigInt(nanoPerMTok);
  return assertNano(Number(divRoundHalfEven(product, 1_000_000n)), 'cost');
}

/** Integer division of non-negative `a` by positive `b`, rounding half to even. */
export function divRoundHalfEven(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  const twice = r * 2n;
  if (twice > b || (twice === b && q % 2n === 1n)) return q + 1n;
  return q;
}

/** Scales an amount by a ratio of integers, half to even (used for projections and savings). */
export function scaleNano(value: NanoUsd, numerator: number, denominator: number): NanoUsd {
  assertNano(value, 'amount');
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new MoneyRangeError(`invalid ratio ${numerator}/${denominator}`);
  }
  const negative = Math.sign(value) * Math.sign(numerator) < 0;
  const magnitude = divRoundHalfEven(
    BigInt(Math.abs(value)) * BigInt(Math.abs(numerator)),
    BigInt(denominator),
  );
  return assertNano(Number(negative ? -magnitude : magnitude), 'scaled amount');
}

/**
 * A decimal dollar amount as billing exports write it (`0.0105`, `-1.25`, `1.2E-7`; any number
 * of decimals) in units of 10^-`scale` USD, as a BigInt: exact when the text has at most `scale`
 * decimals, otherwise rounded once, half to even. Used to sum bill line items exactly before
 * they become nano-USD.
 */
export function usdDecimalToUnits(text: string, scale: number): bigint {
  const match = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  const [, sign, whole = '', frac = '', exp = '0'] = match ?? [];
  if (!match || whole + frac === '' || Math.abs(Number(exp)) > 400) {
    throw new MoneyRangeError(`not a decimal dollar amount: ${JSON.stringify(text)}`);
  }
  // digits × 10^(exponent - decimals) USD, in units of 10^-scale: shift by scale + exponent - decimals.
  const digits = BigInt(whole + frac || '0');
  const shift = scale + Number(exp) - frac.length;
  const magnitude =
    shift >= 0 ? digits * 10n ** BigInt(shift) : divRoundHalfEven(digits, 10n ** BigInt(-shift));
  return sign === '-' ? -magnitude : magnitude;
}

/** A decimal dollar amount (see `usdDecimalToUnits`) in nano-USD, rounded half to even. */
export function usdDecimalToNano(text: string): NanoUsd {
  const units = usdDecimalToUnits(text, 9);
  if (units > BigInt(MAX_NANO_USD) || units < -BigInt(MAX_NANO_USD)) {
    throw new MoneyRangeError(`amount out of range: ${text}`);
  }
  return Number(units);
}

/** A signed BigInt amount in units of 10^-`scale` USD, rounded half to even to nano-USD. */
export function unitsToNano(units: bigint, scale: number): NanoUsd {
  const divisor = 10n ** BigInt(Math.max(0, scale - 9));
  const up = 10n ** BigInt(Math.max(0, 9 - scale));
  const magnitude = divRoundHalfEven(units < 0n ? -units : units, divisor) * up;
  const signed = units < 0n ? -magnitude : magnitude;
  if (signed > BigInt(MAX_NANO_USD) || signed < -BigInt(MAX_NANO_USD)) {
    throw new MoneyRangeError(`amount out of range: ${units} × 10^-${scale} USD`);
  }
  return Number(signed);
}
