/**
 * Retention: when stored data expires. Expiry is DynamoDB TTL's unit, whole epoch seconds, always
 * computed from the data's own time (a usage record's timestamp, a breach's period, an audit
 * entry's instant), so recomputing it after a setting changed gives every item the expiry it would
 * have had under that setting from the start. Time is a parameter: `now` is an ISO-8601 instant.
 */

export const SECONDS_PER_DAY = 86_400;
const MS_PER_DAY = SECONDS_PER_DAY * 1000;

function instantMs(instant: string, name: string): number {
  const ms = Date.parse(instant);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} '${instant}' is not an ISO-8601 instant`);
  return ms;
}

function checkDays(days: number): void {
  if (!Number.isInteger(days) || days < 0)
    throw new RangeError(`days must be a whole number ≥ 0, got ${days}`);
}

/** Epoch seconds at which something of `instant` expires when it is kept `days` days. */
export function expiresAtSeconds(instant: string, days: number): number {
  checkDays(days);
  return Math.floor(instantMs(instant, 'instant') / 1000) + days * SECONDS_PER_DAY;
}

/**
 * Expiry of what stands for a whole UTC day (`YYYY-MM-DD`), e.g. a per-day summary of raw records:
 * the end of that day plus `days`, when the day's last possible record expires.
 */
export function dayExpiresAtSeconds(day: string, days: number): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`day '${day}' is not YYYY-MM-DD`);
  return expiresAtSeconds(`${day}T00:00:00.000Z`, days + 1);
}

/** True when an item stamped `expiresAt` (epoch seconds; undefined: never) has expired at `now`. */
export function isExpired(expiresAt: number | undefined, now: string): boolean {
  return expiresAt !== undefined && expiresAt * 1000 <= instantMs(now, 'now');
}

/** The oldest instant still retained at `now` when data is kept `days` days. */
export function oldestRetainedInstant(now: string, days: number): string {
  checkDays(days);
  return new Date(instantMs(now, 'now') - days * MS_PER_DAY).toISOString();
}

/**
 * The first UTC day that may still hold retained data at `now`: records of earlier days have all
 * expired (those of this day expire in the course of it).
 */
export function firstRetainedDay(now: string, days: number): string {
  return oldestRetainedInstant(now, days).slice(0, 10);
}

/** What a read of raw records over a range of days can and cannot return. */
export interface RetentionCoverage {
  /** Days a raw usage record is kept after its timestamp. */
  usageDays: number;
  /** The first UTC day whose raw records may still exist. */
  firstRetainedDay: string;
  /** True when the range starts before that day: raw records of its earlier days have expired. */
  rangeBeforeRetention: boolean;
}

/** How a range `[from, to]` of UTC days stands against a retention of `usageDays` at `now`. */
export function retentionCoverage(
  range: { from: string },
  now: string,
  usageDays: number,
): RetentionCoverage {
  const first = firstRetainedDay(now, usageDays);
  return { usageDays, firstRetainedDay: first, rangeBeforeRetention: range.from.slice(0, 10) < first };
}
