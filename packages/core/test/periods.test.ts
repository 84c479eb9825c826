import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  assertTimezone,
  daysBetween,
  elapsedFraction,
  isValidTimezone,
  nextPeriod,
  type PeriodKind,
  parseDay,
  parseInstant,
  periodOf,
  previousPeriod,
  sameMomentInPreviousPeriod,
  utcDay,
} from '../src/periods.js';
import { validationPaths } from './support/validation.js';

const HOUR = 3_600_000;

function lengthMs(p: { start: string; end: string }): number {
  return Date.parse(p.end) - Date.parse(p.start);
}

describe('timezones', () => {
  it('accepts IANA names and rejects everything else', () => {
    expect(isValidTimezone('Europe/Berlin')).toBe(true);
    expect(isValidTimezone('UTC')).toBe(true);
    expect(isValidTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimezone('')).toBe(false);
    expect(isValidTimezone(42)).toBe(false);
  });

  it('assertTimezone names the timezone field', () => {
    expect(() => assertTimezone('Asia/Kolkata')).not.toThrow();
    expect(validationPaths(() => assertTimezone('Nowhere/Land'))).toEqual(['timezone']);
  });
});

describe('periodOf in UTC', () => {
  it('daily, weekly and monthly periods of an ordinary instant', () => {
    expect(periodOf('daily', '2026-11-23T10:00:00Z', 'UTC')).toEqual({
      kind: 'daily',
      timezone: 'UTC',
      key: '2026-11-23',
      start: '2026-11-23T00:00:00.000Z',
      end: '2026-11-24T00:00:00.000Z',
    });
    expect(periodOf('weekly', '2026-11-23T10:00:00Z', 'UTC')).toMatchObject({
      key: '2026-W48',
      start: '2026-11-23T00:00:00.000Z',
      end: '2026-11-30T00:00:00.000Z',
    });
    expect(periodOf('monthly', '2026-11-23T10:00:00Z', 'UTC')).toMatchObject({
      key: '2026-11',
      start: '2026-11-01T00:00:00.000Z',
      end: '2026-12-01T00:00:00.000Z',
    });
  });

  it('an instant exactly at the start belongs to the new period, one millisecond before to the old', () => {
    expect(periodOf('daily', '2026-11-24T00:00:00.000Z', 'UTC').key).toBe('2026-11-24');
    expect(periodOf('daily', '2026-11-23T23:59:59.999Z', 'UTC').key).toBe('2026-11-23');
  });

  it('accepts instants written with an offset', () => {
    expect(periodOf('daily', '2026-11-23T01:00:00+02:00', 'UTC').key).toBe('2026-11-22');
  });

  it('names ISO weeks across year ends (53-week years, week 1 starting in December)', () => {
    expect(periodOf('weekly', '2027-01-01T12:00:00Z', 'UTC')).toMatchObject({
      key: '2026-W53',
      start: '2026-12-28T00:00:00.000Z',
      end: '2027-01-04T00:00:00.000Z',
    });
    expect(periodOf('weekly', '2024-12-31T12:00:00Z', 'UTC')).toMatchObject({
      key: '2025-W01',
      start: '2024-12-30T00:00:00.000Z',
    });
    expect(periodOf('weekly', '2026-01-04T23:00:00Z', 'UTC').key).toBe('2026-W01');
    expect(periodOf('weekly', '2026-01-05T00:00:00Z', 'UTC').key).toBe('2026-W02');
  });

  it('monthly periods follow the calendar (February in a leap year, December into January)', () => {
    const february = periodOf('monthly', '2028-02-29T12:00:00Z', 'UTC');
    expect(lengthMs(february)).toBe(29 * 24 * HOUR);
    expect(periodOf('monthly', '2026-12-31T23:00:00Z', 'UTC').end).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('periodOf across daylight-saving changes', () => {
  it('Europe/Berlin: the spring day has 23 hours, the autumn day 25', () => {
    const spring = periodOf('daily', '2026-03-29T12:00:00Z', 'Europe/Berlin');
    expect(spring).toMatchObject({
      key: '2026-03-29',
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
    });
    expect(lengthMs(spring)).toBe(23 * HOUR);
    const autumn = periodOf('daily', '2026-10-25T12:00:00Z', 'Europe/Berlin');
    expect(autumn).toMatchObject({ start: '2026-10-24T22:00:00.000Z', end: '2026-10-25T23:00:00.000Z' });
    expect(lengthMs(autumn)).toBe(25 * HOUR);
  });

  it('America/New_York: March has 31 days minus an hour, the November week plus an hour', () => {
    const march = periodOf('monthly', '2026-03-15T12:00:00Z', 'America/New_York');
    expect(march).toMatchObject({ start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T04:00:00.000Z' });
    expect(lengthMs(march)).toBe(31 * 24 * HOUR - HOUR);
    const week = periodOf('weekly', '2026-11-03T12:00:00Z', 'America/New_York');
    expect(week).toMatchObject({ key: '2026-W45', start: '2026-11-02T05:00:00.000Z' });
    const weekWithChange = periodOf('weekly', '2026-10-28T12:00:00Z', 'America/New_York');
    expect(weekWithChange).toMatchObject({
      start: '2026-10-26T04:00:00.000Z',
      end: '2026-11-02T05:00:00.000Z',
    });
    expect(lengthMs(weekWithChange)).toBe(7 * 24 * HOUR + HOUR);
  });

  it('an instant just after local midnight in UTC terms still maps to the local day', () => {
    // 2026-11-23T23:30Z is already the 24th in Berlin (UTC+1).
    expect(periodOf('daily', '2026-11-23T23:30:00Z', 'Europe/Berlin').key).toBe('2026-11-24');
    // ...and still the 23rd in New York.
    expect(periodOf('daily', '2026-11-24T03:00:00Z', 'America/New_York').key).toBe('2026-11-23');
  });

  it('America/Santiago: midnight does not exist on the spring day, which starts at 01:00 local', () => {
    const day = periodOf('daily', '2024-09-08T12:00:00Z', 'America/Santiago');
    expect(day).toMatchObject({
      key: '2024-09-08',
      start: '2024-09-08T04:00:00.000Z',
      end: '2024-09-09T03:00:00.000Z',
    });
    expect(previousPeriod(day).end).toBe(day.start);
  });

  it('America/Toronto 1919: clocks jumped from 23:30 to 00:30, so the day starts at 00:30 local', () => {
    const day = periodOf('daily', '1919-03-31T12:00:00Z', 'America/Toronto');
    expect(day).toMatchObject({ key: '1919-03-31', start: '1919-03-31T04:30:00.000Z' });
    expect(previousPeriod(day)).toMatchObject({ key: '1919-03-30', end: '1919-03-31T04:30:00.000Z' });
  });

  it('America/Havana: midnight occurs twice on the autumn day, which starts at the first one', () => {
    const day = periodOf('daily', '2025-11-02T12:00:00Z', 'America/Havana');
    expect(day).toMatchObject({ start: '2025-11-02T04:00:00.000Z', end: '2025-11-03T05:00:00.000Z' });
    expect(lengthMs(day)).toBe(25 * HOUR);
    // The second 00:30 (after clocks went back) is still the same day.
    expect(periodOf('daily', '2025-11-02T05:30:00Z', 'America/Havana').key).toBe('2025-11-02');
  });
});

describe('periodOf in half-hour zones', () => {
  it('Asia/Kolkata (+05:30)', () => {
    expect(periodOf('daily', '2026-11-23T18:29:59Z', 'Asia/Kolkata')).toMatchObject({
      key: '2026-11-23',
      start: '2026-11-22T18:30:00.000Z',
      end: '2026-11-23T18:30:00.000Z',
    });
    expect(periodOf('daily', '2026-11-23T18:30:00Z', 'Asia/Kolkata').key).toBe('2026-11-24');
    expect(periodOf('weekly', '2026-11-23T12:00:00Z', 'Asia/Kolkata')).toMatchObject({
      key: '2026-W48',
      start: '2026-11-22T18:30:00.000Z',
    });
  });

  it('Australia/Adelaide (+10:30 summer, +09:30 winter) across the April change', () => {
    const april = periodOf('monthly', '2026-04-10T00:00:00Z', 'Australia/Adelaide');
    expect(april).toMatchObject({
      key: '2026-04',
      start: '2026-03-31T13:30:00.000Z',
      end: '2026-04-30T14:30:00.000Z',
    });
    expect(lengthMs(april)).toBe(30 * 24 * HOUR + HOUR);
  });
});

describe('periodOf input checks', () => {
  it('rejects bad instants, zones and kinds with the field named', () => {
    expect(validationPaths(() => periodOf('daily', '2026-11-23', 'UTC'))).toEqual(['at']);
    expect(validationPaths(() => periodOf('daily', '2026-13-45T00:00:00Z', 'UTC'))).toEqual(['at']);
    expect(validationPaths(() => periodOf('daily', 12 as unknown as string, 'UTC'))).toEqual(['at']);
    expect(validationPaths(() => periodOf('daily', '2026-11-23T00:00:00Z', 'Nowhere'))).toEqual(['timezone']);
    expect(validationPaths(() => periodOf('yearly' as PeriodKind, '2026-11-23T00:00:00Z', 'UTC'))).toEqual([
      'period',
    ]);
  });
});

describe('previousPeriod / nextPeriod', () => {
  it('step through months and DST weeks without gaps', () => {
    const march = periodOf('monthly', '2026-03-15T12:00:00Z', 'Europe/Berlin');
    expect(previousPeriod(march).key).toBe('2026-02');
    expect(previousPeriod(march).end).toBe(march.start);
    expect(nextPeriod(march).key).toBe('2026-04');
    expect(nextPeriod(march).start).toBe(march.end);
    const january = periodOf('monthly', '2026-01-10T00:00:00Z', 'UTC');
    expect(previousPeriod(january).key).toBe('2025-12');
  });

  it('property: consecutive periods tile time in any zone and kind', () => {
    const zones = [
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'Asia/Kolkata',
      'Australia/Adelaide',
      'America/Santiago',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom(...zones),
        fc.constantFrom<PeriodKind>('daily', 'weekly', 'monthly'),
        (ms, zone, kind) => {
          const at = new Date(ms).toISOString();
          const p = periodOf(kind, at, zone);
          expect(Date.parse(p.start)).toBeLessThanOrEqual(ms);
          expect(Date.parse(p.end)).toBeGreaterThan(ms);
          expect(nextPeriod(p).start).toBe(p.end);
          expect(previousPeriod(p).end).toBe(p.start);
          const hours = lengthMs(p) / HOUR;
          const days = { daily: [1, 1], weekly: [7, 7], monthly: [28, 31] }[kind];
          expect(hours).toBeGreaterThanOrEqual(days[0]! * 24 - 1);
          expect(hours).toBeLessThanOrEqual(days[1]! * 24 + 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('elapsedFraction', () => {
  const day = periodOf('daily', '2026-10-25T12:00:00Z', 'Europe/Berlin'); // 25 hours

  it('measures real elapsed time, clamped to [0, 1]', () => {
    expect(elapsedFraction(day, '2026-10-24T22:00:00Z')).toBe(0);
    expect(elapsedFraction(day, '2026-10-25T10:30:00Z')).toBe(0.5);
    expect(elapsedFraction(day, '2026-10-20T00:00:00Z')).toBe(0);
    expect(elapsedFraction(day, '2026-10-25T23:00:00Z')).toBe(1);
    expect(elapsedFraction(day, '2026-10-30T00:00:00Z')).toBe(1);
  });
});

describe('sameMomentInPreviousPeriod', () => {
  it('daily: same elapsed time since the start, capped at the previous day end', () => {
    const day = periodOf('daily', '2026-11-23T10:00:00Z', 'UTC');
    expect(sameMomentInPreviousPeriod(day, '2026-11-23T10:00:00Z')).toBe('2026-11-22T10:00:00.000Z');
    // The 25-hour autumn day in Berlin: its 25th hour maps to the end of the 24-hour day before.
    const autumn = periodOf('daily', '2026-10-25T12:00:00Z', 'Europe/Berlin');
    expect(sameMomentInPreviousPeriod(autumn, '2026-10-25T22:30:00Z')).toBe('2026-10-24T22:00:00.000Z');
    expect(sameMomentInPreviousPeriod(autumn, '2026-10-25T02:00:00Z')).toBe('2026-10-24T02:00:00.000Z');
  });

  it('weekly: same elapsed time', () => {
    const week = periodOf('weekly', '2026-11-25T00:00:00Z', 'UTC');
    expect(sameMomentInPreviousPeriod(week, '2026-11-25T06:00:00Z')).toBe('2026-11-18T06:00:00.000Z');
  });

  it('monthly: same elapsed fraction of the month', () => {
    const march = periodOf('monthly', '2026-03-10T00:00:00Z', 'UTC'); // 31 days; February 2026 has 28
    // Half of March (15.5 days) maps to half of February (14 days).
    expect(sameMomentInPreviousPeriod(march, '2026-03-16T12:00:00Z')).toBe('2026-02-15T00:00:00.000Z');
    expect(sameMomentInPreviousPeriod(march, '2026-03-01T00:00:00Z')).toBe('2026-02-01T00:00:00.000Z');
  });

  it('clamps instants outside the period to its bounds', () => {
    const day = periodOf('daily', '2026-11-23T10:00:00Z', 'UTC');
    expect(sameMomentInPreviousPeriod(day, '2026-11-20T00:00:00Z')).toBe('2026-11-22T00:00:00.000Z');
    expect(sameMomentInPreviousPeriod(day, '2026-11-29T00:00:00Z')).toBe('2026-11-23T00:00:00.000Z');
  });
});

describe('days', () => {
  it('utcDay gives the UTC calendar day of an instant', () => {
    expect(utcDay('2026-11-23T23:59:59.999Z')).toBe('2026-11-23');
    expect(utcDay('2026-11-24T01:00:00+02:00')).toBe('2026-11-23');
    expect(validationPaths(() => utcDay('yesterday'))).toEqual(['at']);
  });

  it('daysBetween lists every day inclusive, across month and leap-day boundaries', () => {
    expect(daysBetween('2028-02-27', '2028-03-02')).toEqual([
      '2028-02-27',
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
      '2028-03-02',
    ]);
    expect(daysBetween('2026-11-23', '2026-11-23')).toEqual(['2026-11-23']);
    expect(daysBetween('2026-01-01', '2026-12-31')).toHaveLength(365);
  });

  it('daysBetween rejects reversed ranges and malformed days', () => {
    expect(validationPaths(() => daysBetween('2026-11-24', '2026-11-23'))).toEqual(['from']);
    expect(validationPaths(() => daysBetween('2026-02-30', '2026-03-01'))).toEqual(['from']);
    expect(validationPaths(() => daysBetween('2026-03-01', '2026-3-2'))).toEqual(['to']);
  });

  it('addDays and parse helpers', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(parseDay('2026-11-23')).toBe(Date.UTC(2026, 10, 23));
    expect(validationPaths(() => parseDay(undefined as unknown as string, 'day'))).toEqual(['day']);
    expect(parseInstant('2026-11-23T10:00:00.123456Z')).toBe(Date.UTC(2026, 10, 23, 10, 0, 0, 123));
    expect(validationPaths(() => parseInstant('2026-11-23T10:00:00', 'timestamp'))).toEqual(['timestamp']);
  });
});
