import { ValidationError } from './errors.js';

/**
 * Calendar-aligned periods in an IANA time zone. Offsets come from `Intl.DateTimeFormat`, so
 * daylight-saving changes (23- and 25-hour days), half-hour zones (Asia/Kolkata, Australia/Adelaide)
 * and zones whose clocks jump at midnight (America/Santiago, America/Havana) are handled without a
 * date library. Every instant is an ISO-8601 string; returned instants are UTC with milliseconds
 * (`2026-11-23T00:00:00.000Z`).
 */
export type PeriodKind = 'daily' | 'weekly' | 'monthly';

export const PERIOD_KINDS: readonly PeriodKind[] = ['daily', 'weekly', 'monthly'];

export interface Period {
  kind: PeriodKind;
  timezone: string;
  /** Local calendar name of the period: `2026-11-23`, `2026-W48` (ISO week) or `2026-11`. */
  key: string;
  /** UTC instant of the local start of the period (the first instant of its first local day). */
  start: string;
  /** UTC instant of the start of the next period (exclusive end). */
  end: string;
}

const MS_PER_DAY = 86_400_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** True when `timezone` is an IANA zone name this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isValidTimezone(timezone: unknown): timezone is string {
  if (typeof timezone !== 'string' || timezone.length === 0) return false;
  try {
    formatterFor(timezone);
    return true;
  } catch {
    return false;
  }
}

/** Throws a `ValidationError` (detail path `timezone`) unless `timezone` is a known IANA zone. */
export function assertTimezone(timezone: unknown): asserts timezone is string {
  if (!isValidTimezone(timezone)) {
    throw new ValidationError('invalid time zone', [
      {
        path: 'timezone',
        message: `'${String(timezone)}' is not an IANA time zone name such as Europe/Berlin`,
      },
    ]);
  }
}

/** Milliseconds of an ISO-8601 instant; throws a `ValidationError` naming `path` otherwise. */
export function parseInstant(at: string, path = 'at'): number {
  const ms = typeof at === 'string' && ISO_INSTANT.test(at) ? Date.parse(at) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new ValidationError('invalid timestamp', [
      { path, message: `'${String(at)}' is not an ISO-8601 instant such as 2026-11-23T10:00:00Z` },
    ]);
  }
  return ms;
}

/** Milliseconds of an ISO-8601 instant, or of 00:00:00Z for a bare `YYYY-MM-DD` day. */
export function parseInstantOrDay(value: string, path = 'at'): number {
  return typeof value === 'string' && ISO_DAY.test(value) ? parseDay(value, path) : parseInstant(value, path);
}

/** Milliseconds (UTC midnight) of a `YYYY-MM-DD` day; throws a `ValidationError` naming `path` otherwise. */
export function parseDay(day: string, path = 'date'): number {
  const match = typeof day === 'string' ? ISO_DAY.exec(day) : null;
  if (match) {
    const [, y, m, d] = match.map(Number) as [number, number, number, number];
    const ms = Date.UTC(y, m - 1, d);
    if (formatDay(ms) === day) return ms;
  }
  throw new ValidationError('invalid date', [
    { path, message: `'${String(day)}' is not a calendar day in the form YYYY-MM-DD` },
  ]);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function formatDay(utcMidnightMs: number): string {
  const d = new Date(utcMidnightMs);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/**
 * The local wall-clock time of an instant, expressed as milliseconds of the same wall-clock
 * reading in UTC ("local milliseconds"), truncated to whole seconds.
 */
function localMs(timezone: string, utcMs: number): number {
  const seconds = Math.floor(utcMs / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timezone).formatToParts(seconds)) parts[part.type] = part.value;
  const asUtc = new Date(0);
  asUtc.setUTCFullYear(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
  asUtc.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  return asUtc.getTime();
}

/**
 * The first UTC instant whose local wall-clock time is at or after `local` (local milliseconds).
 * Where the wall-clock time occurs twice (clocks set back) this is its first occurrence; where it
 * does not exist (clocks jump over it) this is the instant of the jump.
 */
function firstInstantAtOrAfter(timezone: string, local: number): number {
  const offsetBefore = localMs(timezone, local - MS_PER_DAY) - (local - MS_PER_DAY);
  const offsetAfter = localMs(timezone, local + MS_PER_DAY) - (local + MS_PER_DAY);
  const consistent = [local - offsetBefore, local - offsetAfter].filter(
    (candidate) => localMs(timezone, candidate) === local,
  );
  if (consistent.length > 0) return Math.min(...consistent);
  // The local time falls into a gap: search the jump between the two candidates (to the second).
  let low = Math.min(local - offsetBefore, local - offsetAfter);
  let high = Math.max(local - offsetBefore, local - offsetAfter);
  while (high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2000) * 1000;
    if (localMs(timezone, mid) >= local) high = mid;
    else low = mid;
  }
  return high;
}

function localMidnightUtc(timezone: string, year: number, monthIndex: number, day: number): number {
  return firstInstantAtOrAfter(timezone, Date.UTC(year, monthIndex, day));
}

function isoWeekKey(mondayLocal: number): string {
  const thursday = new Date(mondayLocal + 3 * MS_PER_DAY);
  const isoYear = thursday.getUTCFullYear();
  const dayOfYear = Math.round((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / MS_PER_DAY);
  const week = Math.floor(dayOfYear / 7) + 1;
  return `${pad(isoYear, 4)}-W${pad(week, 2)}`;
}

/**
 * The calendar period of `kind` that contains the instant `at`, in `timezone`. Daily periods run
 * from local midnight to local midnight, weekly periods are ISO weeks (Monday 00:00 local), monthly
 * periods are calendar months. Throws a `ValidationError` for a bad instant or time zone.
 */
export function periodOf(kind: PeriodKind, at: string, timezone: string): Period {
  assertTimezone(timezone);
  if (!PERIOD_KINDS.includes(kind)) {
    throw new ValidationError('invalid period', [
      { path: 'period', message: `'${String(kind)}' is not one of ${PERIOD_KINDS.join(', ')}` },
    ]);
  }
  const local = new Date(localMs(timezone, parseInstant(at)));
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const d = local.getUTCDate();
  let key: string;
  let start: number;
  let end: number;
  if (kind === 'daily') {
    key = formatDay(Date.UTC(y, m, d));
    start = localMidnightUtc(timezone, y, m, d);
    end = localMidnightUtc(timezone, y, m, d + 1);
  } else if (kind === 'weekly') {
    const sinceMonday = (local.getUTCDay() + 6) % 7;
    key = isoWeekKey(Date.UTC(y, m, d - sinceMonday));
    start = localMidnightUtc(timezone, y, m, d - sinceMonday);
    end = localMidnightUtc(timezone, y, m, d - sinceMonday + 7);
  } else {
    key = `${pad(y, 4)}-${pad(m + 1, 2)}`;
    start = localMidnightUtc(timezone, y, m, 1);
    end = localMidnightUtc(timezone, y, m + 1, 1);
  }
  return { kind, timezone, key, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/** The period of the same kind and zone that ends where `period` starts. */
export function previousPeriod(period: Period): Period {
  const lastMs = parseInstant(period.start, 'start') - 1;
  return periodOf(period.kind, new Date(lastMs).toISOString(), period.timezone);
}

/** The period of the same kind and zone that starts where `period` ends. */
export function nextPeriod(period: Period): Period {
  return periodOf(period.kind, period.end, period.timezone);
}

function bounds(period: Period): { start: number; end: number } {
  return { start: parseInstant(period.start, 'start'), end: parseInstant(period.end, 'end') };
}

/**
 * Share of `period` elapsed at `at`, by real elapsed milliseconds (a 25-hour day is half over
 * after 12.5 hours). Clamped to 0 before the period and to 1 after it.
 */
export function elapsedFraction(period: Period, at: string): number {
  const { start, end } = bounds(period);
  const now = parseInstant(at);
  if (now <= start) return 0;
  if (now >= end) return 1;
  return (now - start) / (end - start);
}

/**
 * The instant of the previous period that corresponds to `at` in `period`, used to compare
 * "spend so far" with "spend at the same point last period"; read the previous period's spend in
 * `[previous.start, result)`.
 * - daily and weekly: the same real elapsed milliseconds since the period start, capped at the
 *   previous period's end (a 25-hour day's last hour maps to the end of a 24-hour previous day).
 * - monthly: the same elapsed fraction (the 15th at noon of a 30-day month maps to the point as far
 *   through the previous month), rounded to the millisecond.
 * `at` outside `period` is clamped to its start or end first.
 */
export function sameMomentInPreviousPeriod(period: Period, at: string): string {
  const { start, end } = bounds(period);
  const previous = bounds(previousPeriod(period));
  const now = Math.min(Math.max(parseInstant(at), start), end);
  let result: number;
  if (period.kind === 'monthly') {
    const fraction = (now - start) / (end - start);
    result = previous.start + Math.round(fraction * (previous.end - previous.start));
  } else {
    result = Math.min(previous.start + (now - start), previous.end);
  }
  return new Date(result).toISOString();
}

/** The UTC calendar day (`YYYY-MM-DD`) of an ISO-8601 instant. */
export function utcDay(at: string): string {
  return new Date(parseInstant(at)).toISOString().slice(0, 10);
}

/** The day `days` after (or before, if negative) the `YYYY-MM-DD` day `day`. */
export function addDays(day: string, days: number): string {
  return formatDay(parseDay(day) + days * MS_PER_DAY);
}

/**
 * Every `YYYY-MM-DD` day from `from` to `to`, both included. Throws a `ValidationError` when a day
 * is malformed or `from` is after `to`.
 */
export function daysBetween(from: string, to: string): string[] {
  const first = parseDay(from, 'from');
  const last = parseDay(to, 'to');
  if (first > last) {
    throw new ValidationError('invalid date range', [
      { path: 'from', message: `'${from}' is after '${to}'` },
    ]);
  }
  const days: string[] = [];
  for (let ms = first; ms <= last; ms += MS_PER_DAY) days.push(formatDay(ms));
  return days;
}
