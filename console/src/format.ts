/**
 * Money as the API gives it: US dollars exact to the nano-dollar. Amounts show at least cents and
 * as many further digits (up to nine) as the amount has, so nothing the API answers is rounded away.
 */
const money = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 9,
});

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return money.format(value);
}

/** Whole nano-dollars, for sums that stay exact. */
export function toNanos(value: number): bigint {
  return BigInt(Math.round(value * 1e9));
}

export function fromNanos(nanos: bigint): number {
  return Number(nanos) / 1e9;
}

export function sumUsd(values: number[]): number {
  return fromNanos(values.reduce((sum, v) => sum + toNanos(v), 0n));
}

const integer = new Intl.NumberFormat('en-US');
export function count(value: number): string {
  return integer.format(value);
}

export function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** The viewer's time zone, shown next to every timestamp. */
export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});

/** An ISO timestamp in the viewer's time zone, with the zone named. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** `YYYY-MM-DD` of a date in UTC (the API's days). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(days: number, from = new Date()): string {
  return isoDay(new Date(from.getTime() - days * 86_400_000));
}

/** Seconds since the epoch at UTC midnight of a `YYYY-MM-DD` day (chart x values). */
export function daySeconds(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}
