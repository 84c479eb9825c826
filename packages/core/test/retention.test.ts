import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dayExpiresAtSeconds,
  expiresAtSeconds,
  firstRetainedDay,
  isExpired,
  oldestRetainedInstant,
  retentionCoverage,
  SECONDS_PER_DAY,
} from '../src/retention.js';

const epochSeconds = (iso: string) => Date.parse(iso) / 1000;

describe('expiry', () => {
  it('is the instant plus the retention, in whole epoch seconds', () => {
    expect(expiresAtSeconds('2026-01-01T00:00:00Z', 400)).toBe(epochSeconds('2027-02-05T00:00:00Z'));
    expect(expiresAtSeconds('2026-01-01T10:00:00.999Z', 0)).toBe(epochSeconds('2026-01-01T10:00:00Z'));
    expect(expiresAtSeconds('2026-03-01T12:00:00+02:00', 1)).toBe(epochSeconds('2026-03-02T10:00:00Z'));
  });

  it('refuses a malformed instant or a retention that is not a whole number of days', () => {
    expect(() => expiresAtSeconds('yesterday', 30)).toThrow(RangeError);
    expect(() => expiresAtSeconds('2026-01-01T00:00:00Z', -1)).toThrow(RangeError);
    expect(() => expiresAtSeconds('2026-01-01T00:00:00Z', 1.5)).toThrow(RangeError);
  });

  it('of a day is the end of that day plus the retention: its last record expires then', () => {
    expect(dayExpiresAtSeconds('2026-01-31', 30)).toBe(epochSeconds('2026-03-03T00:00:00Z'));
    expect(() => dayExpiresAtSeconds('2026-1-31', 30)).toThrow(RangeError);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86_399_999 }),
        fc.integer({ min: 30, max: 3650 }),
        (offsetMs, days) => {
          const instant = new Date(Date.parse('2026-05-17T00:00:00Z') + offsetMs).toISOString();
          return expiresAtSeconds(instant, days) < dayExpiresAtSeconds('2026-05-17', days);
        },
      ),
    );
  });

  it('has passed once now reaches it; nothing without one expires', () => {
    const at = expiresAtSeconds('2026-01-01T00:00:00Z', 30);
    expect(isExpired(at, '2026-01-30T23:59:59Z')).toBe(false);
    expect(isExpired(at, '2026-01-31T00:00:00Z')).toBe(true);
    expect(isExpired(undefined, '2999-01-01T00:00:00Z')).toBe(false);
    expect(() => isExpired(at, 'soon')).toThrow(RangeError);
  });
});

describe('what is still retained', () => {
  it('starts `days` before now, and on the UTC day of that instant', () => {
    expect(oldestRetainedInstant('2026-03-01T06:00:00Z', 30)).toBe('2026-01-30T06:00:00.000Z');
    expect(firstRetainedDay('2026-03-01T06:00:00Z', 30)).toBe('2026-01-30');
    expect(() => oldestRetainedInstant('2026-03-01T06:00:00Z', -3)).toThrow(RangeError);
  });

  it('agrees with expiry: a record is retained exactly while its timestamp is at or after the oldest retained instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 * 365 * SECONDS_PER_DAY }),
        fc.integer({ min: 0, max: 5 * 365 * SECONDS_PER_DAY }),
        fc.integer({ min: 30, max: 3650 }),
        (recordOffset, nowOffset, days) => {
          const base = Date.parse('2024-01-01T00:00:00Z');
          const timestamp = new Date(base + recordOffset * 1000).toISOString();
          const now = new Date(base + nowOffset * 1000).toISOString();
          const expired = isExpired(expiresAtSeconds(timestamp, days), now);
          return expired === timestamp <= oldestRetainedInstant(now, days);
        },
      ),
    );
  });

  it('says whether a range reaches before the first retained day', () => {
    const now = '2026-03-01T06:00:00Z';
    expect(retentionCoverage({ from: '2026-01-29' }, now, 30)).toEqual({
      usageDays: 30,
      firstRetainedDay: '2026-01-30',
      rangeBeforeRetention: true,
    });
    expect(retentionCoverage({ from: '2026-01-30' }, now, 30).rangeBeforeRetention).toBe(false);
    expect(retentionCoverage({ from: '2026-02-10T00:00:00Z' }, now, 30).rangeBeforeRetention).toBe(false);
  });
});
