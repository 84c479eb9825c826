import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyRangeError } from '../src/errors.js';
import {
  addNano,
  costOfTokens,
  divRoundHalfEven,
  fromUsd,
  MAX_NANO_USD,
  NANOS_PER_USD,
  nano,
  scaleNano,
  sumNano,
  toUsd,
} from '../src/money.js';

/**
 * Largest magnitude (exclusive) whose every nano-dollar survives the trip through a JSON number:
 * below USD 2^23 the spacing of doubles (2^-30) is finer than a nano-dollar; above it it is not.
 */
const JSON_EXACT_LIMIT = 2 ** 23 * NANOS_PER_USD;

const safeNano = fc.integer({ min: -MAX_NANO_USD, max: MAX_NANO_USD });
const jsonExactNano = fc.integer({ min: -(JSON_EXACT_LIMIT - 1), max: JSON_EXACT_LIMIT - 1 });
const tokens = fc.integer({ min: 0, max: 10_000_000_000 });
const pricePerMTok = fc.integer({ min: 0, max: 200_000_000_000 }); // up to USD 200 per MTok

/** Reference: the decimal dollar text of a nano amount, built from BigInt digits. */
function decimalText(n: number): string {
  const big = BigInt(n);
  const abs = big < 0n ? -big : big;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0');
  return `${big < 0n ? '-' : ''}${abs / 1_000_000_000n}.${frac}`;
}

/** Reference half-even division with BigInt, written independently of the implementation. */
function referenceHalfEven(a: bigint, b: bigint): bigint {
  const floor = a / b;
  const twiceRemainder = 2n * (a - floor * b);
  if (twiceRemainder < b) return floor;
  if (twiceRemainder > b) return floor + 1n;
  return floor % 2n === 0n ? floor : floor + 1n;
}

describe('toUsd / fromUsd', () => {
  it('round-trips every amount a JSON number can carry exactly', () => {
    fc.assert(fc.property(jsonExactNano, (n) => fromUsd(toUsd(n)) === n));
  });

  it('round-trips every safe integer through the decimal string form', () => {
    fc.assert(fc.property(safeNano, (n) => fromUsd(decimalText(n)) === n));
  });

  it('gives the exact double of the decimal, never a float product', () => {
    expect(toUsd(10_500_000)).toBe(0.0105);
    expect(toUsd(3_000_000)).toBe(0.003);
    expect(toUsd(-1)).toBe(-0.000000001);
    expect(toUsd(0)).toBe(0);
    expect(toUsd(123_456_789_012)).toBe(123.456789012);
    expect(fromUsd(0.1)).toBe(100_000_000);
    expect(fromUsd(0.0105)).toBe(10_500_000);
  });

  it('cannot carry every nano-dollar above USD 2^23 as a JSON number (documented limit)', () => {
    // 8_592_130.658202457 USD has no double of its own: the nearest one prints as …456.
    expect(fromUsd(toUsd(8_592_130_658_202_457))).toBe(8_592_130_658_202_456);
    expect(fromUsd(toUsd(JSON_EXACT_LIMIT - 1))).toBe(JSON_EXACT_LIMIT - 1);
  });

  it('accepts numbers in exponent notation by expanding their digits exactly', () => {
    expect(fromUsd(1e-7)).toBe(100);
    expect(fromUsd(1.5e-8)).toBe(15);
    expect(fromUsd(-2e-9)).toBe(-2);
    expect(fromUsd(1e6)).toBe(1_000_000 * NANOS_PER_USD);
  });

  it('parses decimal strings, trimming blanks and trailing zeros', () => {
    expect(fromUsd(' 73 ')).toBe(73_000_000_000);
    expect(fromUsd('0.000000001')).toBe(1);
    expect(fromUsd('-0.000000001')).toBe(-1);
    expect(fromUsd('1.1234567890000')).toBe(1_123_456_789);
    expect(fromUsd('007.5')).toBe(7_500_000_000);
  });

  it.each([
    ['exponent in a string', '1e-7'],
    ['empty string', ''],
    ['letters', 'ten'],
    ['leading plus', '+1'],
    ['bare point', '1.'],
    ['missing integer part', '.5'],
    ['thousands separator', '1,000'],
    ['currency sign', '$5'],
  ])('rejects %s', (_label, text) => {
    expect(() => fromUsd(text)).toThrow(MoneyRangeError);
  });

  it('rejects more than nine decimals instead of rounding', () => {
    expect(() => fromUsd('0.0000000001')).toThrow(/more precise than a nano-dollar/);
    expect(() => fromUsd(1e-10)).toThrow(/more precise than a nano-dollar/);
    expect(() => fromUsd(0.1234567891)).toThrow(MoneyRangeError);
  });

  it('rejects amounts outside the safe range and non-finite numbers', () => {
    expect(() => fromUsd('9007199.254740992')).toThrow(/out of range/);
    expect(() => fromUsd('-9007199.254740992')).toThrow(/out of range/);
    expect(fromUsd('9007199.254740991')).toBe(MAX_NANO_USD);
    expect(() => fromUsd(1.5e21)).toThrow(/out of range/);
    expect(() => fromUsd(Number.NaN)).toThrow(/not a finite amount/);
    expect(() => fromUsd(Number.POSITIVE_INFINITY)).toThrow(MoneyRangeError);
  });

  it('refuses to format an amount that is not a safe integer', () => {
    expect(() => toUsd(0.5)).toThrow(MoneyRangeError);
    expect(() => toUsd(MAX_NANO_USD + 1)).toThrow(MoneyRangeError);
  });
});

describe('nano / addNano / sumNano', () => {
  it('nano accepts safe integers only', () => {
    expect(nano(42)).toBe(42);
    expect(() => nano(1.5)).toThrow(MoneyRangeError);
    expect(() => nano(Number.NaN)).toThrow(MoneyRangeError);
    expect(() => nano(2 ** 53)).toThrow(MoneyRangeError);
  });

  it('sums never lose a nano: the result equals the BigInt sum', () => {
    const small = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
    fc.assert(
      fc.property(fc.array(small, { maxLength: 50 }), (values) => {
        const exact = values.reduce((acc, v) => acc + BigInt(v), 0n);
        return BigInt(sumNano(values)) === exact && BigInt(addNano(...values)) === exact;
      }),
    );
  });

  it('sums are order independent', () => {
    const small = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
    fc.assert(
      fc.property(fc.array(small, { maxLength: 30 }), (values) => {
        return sumNano(values) === sumNano([...values].reverse());
      }),
    );
  });

  it('throws instead of leaving the safe range', () => {
    expect(addNano()).toBe(0);
    expect(addNano(MAX_NANO_USD, 0)).toBe(MAX_NANO_USD);
    expect(() => addNano(MAX_NANO_USD, 1)).toThrow(/sum is not an exact/);
    expect(() => addNano(1, 0.5)).toThrow(/addend is not an exact/);
    expect(() => sumNano([-MAX_NANO_USD, -1])).toThrow(MoneyRangeError);
  });
});

describe('costOfTokens', () => {
  it('is exact for whole nano-dollar per-token prices', () => {
    const perToken = fc.integer({ min: 0, max: 100_000 });
    const count = fc.integer({ min: 0, max: 1_000_000_000 });
    fc.assert(fc.property(count, perToken, (t, p) => costOfTokens(t, p * 1_000_000) === t * p));
  });

  it('is within half a nano-dollar of the exact product, rounding ties to even', () => {
    fc.assert(
      fc.property(tokens, pricePerMTok, (t, p) => {
        const cost = BigInt(costOfTokens(t, p));
        const exactTimesMillion = BigInt(t) * BigInt(p);
        const errorTimesMillion = cost * 1_000_000n - exactTimesMillion;
        const twiceAbs = 2n * (errorTimesMillion < 0n ? -errorTimesMillion : errorTimesMillion);
        if (twiceAbs > 1_000_000n) return false;
        return twiceAbs < 1_000_000n || cost % 2n === 0n;
      }),
    );
  });

  it('is monotone in the token count and in the price', () => {
    fc.assert(
      fc.property(tokens, tokens, pricePerMTok, (a, b, p) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return costOfTokens(lo, p) <= costOfTokens(hi, p);
      }),
    );
    fc.assert(
      fc.property(tokens, pricePerMTok, pricePerMTok, (t, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return costOfTokens(t, lo) <= costOfTokens(t, hi);
      }),
    );
  });

  it('rounds half to even at known ties', () => {
    expect(costOfTokens(1, 500_000)).toBe(0); // 0.5 -> 0
    expect(costOfTokens(3, 500_000)).toBe(2); // 1.5 -> 2
    expect(costOfTokens(5, 500_000)).toBe(2); // 2.5 -> 2
    expect(costOfTokens(7, 500_000)).toBe(4); // 3.5 -> 4
    expect(costOfTokens(1, 500_001)).toBe(1); // just above a tie
    expect(costOfTokens(1, 1_499_999)).toBe(1); // just below 1.5
  });

  it('prices the reference call exactly', () => {
    expect(costOfTokens(1_000, 3_000_000_000)).toBe(3_000_000);
    expect(costOfTokens(500, 15_000_000_000)).toBe(7_500_000);
    expect(costOfTokens(1, 8_750_000)).toBe(9); // 8.75 -> 9
  });

  it('rejects bad token counts, bad prices and results out of range', () => {
    expect(() => costOfTokens(-1, 1)).toThrow(/non-negative integer/);
    expect(() => costOfTokens(1.5, 1)).toThrow(MoneyRangeError);
    expect(() => costOfTokens(2 ** 53, 1)).toThrow(MoneyRangeError);
    expect(() => costOfTokens(1, 0.5)).toThrow(/price is not an exact/);
    expect(() => costOfTokens(MAX_NANO_USD, 1_000_000_000)).toThrow(/cost is not an exact/);
  });
});

describe('divRoundHalfEven', () => {
  it('matches an independent half-even reference', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (a, b) => {
          return divRoundHalfEven(a, b) === referenceHalfEven(a, b);
        },
      ),
    );
  });

  it('rounds exact halves to the even neighbour', () => {
    expect(divRoundHalfEven(1n, 2n)).toBe(0n);
    expect(divRoundHalfEven(3n, 2n)).toBe(2n);
    expect(divRoundHalfEven(5n, 2n)).toBe(2n);
    expect(divRoundHalfEven(10n, 4n)).toBe(2n);
    expect(divRoundHalfEven(14n, 4n)).toBe(4n);
    expect(divRoundHalfEven(7n, 3n)).toBe(2n);
    expect(divRoundHalfEven(8n, 3n)).toBe(3n);
  });
});

describe('scaleNano', () => {
  it('is exact when the ratio divides evenly and symmetric in sign', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.integer({ min: 1, max: 1000 }),
        (v, k) => {
          return scaleNano(v * k, 1, k) === v && scaleNano(-v * k, 1, k) === -v;
        },
      ),
    );
  });

  it('rounds half to even away from and towards zero alike', () => {
    expect(scaleNano(5, 1, 2)).toBe(2);
    expect(scaleNano(-5, 1, 2)).toBe(-2);
    expect(scaleNano(3, 1, 2)).toBe(2);
    expect(scaleNano(-3, 1, 2)).toBe(-2);
    expect(scaleNano(3, -1, 2)).toBe(-2);
    expect(scaleNano(-3, -1, 2)).toBe(2);
    expect(scaleNano(3_000_000_000, 11, 10)).toBe(3_300_000_000);
  });

  it('handles zero and identity ratios', () => {
    expect(scaleNano(0, -7, 3)).toBe(0);
    expect(scaleNano(-9, 0, 1)).toBe(0);
    expect(scaleNano(MAX_NANO_USD, 1, 1)).toBe(MAX_NANO_USD);
    expect(scaleNano(MAX_NANO_USD, 2, 3)).toBe(6_004_799_503_160_661);
  });

  it('rejects invalid ratios, unsafe amounts and results out of range', () => {
    expect(() => scaleNano(1, 1, 0)).toThrow(/invalid ratio/);
    expect(() => scaleNano(1, 1, -2)).toThrow(/invalid ratio/);
    expect(() => scaleNano(1, 0.5, 1)).toThrow(/invalid ratio/);
    expect(() => scaleNano(1, 1, 1.5)).toThrow(/invalid ratio/);
    expect(() => scaleNano(0.5, 1, 1)).toThrow(/amount is not an exact/);
    expect(() => scaleNano(MAX_NANO_USD, 2, 1)).toThrow(/scaled amount is not an exact/);
  });
});
