import { ValidationError } from './errors.js';
import { addNano, type NanoUsd, nano } from './money.js';
import { addDays, daysBetween, parseDay } from './periods.js';
import { reachesPercent } from './thresholds.js';

/** One day's total cost. */
export interface DailyCost {
  /** `YYYY-MM-DD` */
  date: string;
  costNano: NanoUsd;
}

export type ForecastMethod = 'none' | 'mean' | 'linear-trend' | 'linear-trend+weekly-seasonality';

export interface ForecastInput {
  /** Daily totals; missing days count as 0, duplicates are added, days after `asOf` are ignored. */
  history: readonly DailyCost[];
  /** The last day with (possibly partial) data, `YYYY-MM-DD`. */
  asOf: string;
  /** Number of days after `asOf` to forecast (0..366). */
  horizonDays: number;
  /** Last day of the current period; when absent the horizon is taken as the rest of the period. */
  periodEnd?: string;
  /** Exact spend of the current period so far (default 0). */
  periodToDateNano?: NanoUsd;
  /**
   * Share of the `asOf` day already elapsed, in (0, 1] (default 1: the day is complete). A partial
   * day is kept out of the fit (it would bend the trend down) and the rest of it is forecast.
   */
  asOfElapsedFraction?: number;
}

export interface ForecastDay {
  date: string;
  expectedNano: NanoUsd;
  lowerNano: NanoUsd;
  upperNano: NanoUsd;
}

export interface Forecast {
  method: ForecastMethod;
  /** 0..1: fit quality (residual spread relative to the level) times amount of history (full at 28 days). */
  confidence: number;
  asOf: string;
  periodEnd: string | null;
  /** Days of history the model was fitted on. */
  historyDays: number;
  /** One entry per day after `asOf`, `horizonDays` of them. */
  daily: ForecastDay[];
  /** Expected spend in the not yet elapsed part of `asOf` (0 when the day is complete). */
  remainderOfAsOfNano: NanoUsd;
  /** Period to date + the rest of `asOf` + the expected spend of every remaining day of the period. */
  projectedPeriodEndNano: NanoUsd;
  projectedPeriodEndLowerNano: NanoUsd;
  projectedPeriodEndUpperNano: NanoUsd;
}

/** At most this many days of history are fitted. */
export const FORECAST_WINDOW_DAYS = 56;
/** Longest horizon accepted. */
export const MAX_FORECAST_HORIZON_DAYS = 366;
/** Two-sided 80 % normal quantile: bounds are expected ± Z80 × prediction standard deviation. */
const Z80 = 1.2815515655446004;
const MIN_TREND_DAYS = 3;
const MIN_SEASONAL_DAYS = 14;
/** Seasonality is kept only when it cuts the residual standard deviation by at least 10 %. */
const SEASONAL_GAIN = 0.9;
const FULL_CONFIDENCE_DAYS = 28;
const MS_PER_DAY = 86_400_000;

interface Fit {
  method: ForecastMethod;
  beta: number[];
  /** (XᵀX)⁻¹ */
  inverse: number[][];
  sigma: number;
  level: number;
  days: number;
}

/** Regressors of a day: intercept, trend (day index), and six day-of-week indicators (Monday is the base). */
function regressors(method: ForecastMethod, index: number, dayOfWeek: number): number[] {
  if (method === 'mean') return [1];
  if (method === 'linear-trend') return [1, index];
  return [1, index, ...[1, 2, 3, 4, 5, 6].map((d) => (dayOfWeek === (d + 1) % 7 ? 1 : 0))];
}

/** Inverse of a small symmetric positive-definite matrix by Gauss-Jordan elimination with pivoting. */
function invert(matrix: number[][]): number[][] {
  const size = matrix.length;
  const rows = matrix.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++) {
      if (Math.abs(rows[r]![col]!) > Math.abs(rows[pivot]![col]!)) pivot = r;
    }
    [rows[col], rows[pivot]] = [rows[pivot]!, rows[col]!];
    const pivotRow = rows[col]!;
    const p = pivotRow[col]!;
    for (let j = 0; j < 2 * size; j++) pivotRow[j]! /= p;
    for (let r = 0; r < size; r++) {
      if (r === col) continue;
      const row = rows[r]!;
      const factor = row[col]!;
      for (let j = 0; j < 2 * size; j++) row[j]! -= factor * pivotRow[j]!;
    }
  }
  return rows.map((row) => row.slice(size));
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, value, i) => sum + value * b[i]!, 0);
}

function quadratic(x: readonly number[], matrix: readonly number[][]): number {
  return dot(
    x,
    matrix.map((row) => dot(row, x)),
  );
}

interface Point {
  index: number;
  dayOfWeek: number;
  value: number;
}

/** Ordinary least squares of `points` on the regressors of `method`. */
function fit(method: ForecastMethod, points: readonly Point[]): Fit {
  const rows = points.map((p) => regressors(method, p.index, p.dayOfWeek));
  const size = rows[0]!.length;
  const xtx = Array.from({ length: size }, (_, i) =>
    Array.from({ length: size }, (_, j) => rows.reduce((sum, row) => sum + row[i]! * row[j]!, 0)),
  );
  const xty = Array.from({ length: size }, (_, i) =>
    rows.reduce((sum, row, k) => sum + row[i]! * points[k]!.value, 0),
  );
  const inverse = invert(xtx);
  const beta = inverse.map((row) => dot(row, xty));
  const residualSquares = rows.reduce((sum, row, k) => sum + (points[k]!.value - dot(row, beta)) ** 2, 0);
  const level = points.reduce((sum, p) => sum + p.value, 0) / points.length;
  const freedom = points.length - size;
  // A single day gives no spread; take the uncertainty to be as large as the value itself.
  const sigma = freedom > 0 ? Math.sqrt(residualSquares / freedom) : Math.abs(level);
  return { method, beta, inverse, sigma, level, days: points.length };
}

/** Picks the model by the amount of history; seasonality only when it clearly improves the fit. */
function chooseFit(points: readonly Point[]): Fit {
  if (points.length < MIN_TREND_DAYS) return fit('mean', points);
  const trend = fit('linear-trend', points);
  if (points.length < MIN_SEASONAL_DAYS) return trend;
  const seasonal = fit('linear-trend+weekly-seasonality', points);
  const noise = 1e-6 * (Math.abs(trend.level) + 1);
  return trend.sigma > noise && seasonal.sigma < SEASONAL_GAIN * trend.sigma ? seasonal : trend;
}

function validationError(path: string, message: string): ValidationError {
  return new ValidationError('invalid forecast input', [{ path, message }]);
}

function dayOfWeek(day: string): number {
  return new Date(parseDay(day)).getUTCDay();
}

function dayIndex(from: string, to: string): number {
  return Math.round((parseDay(to) - parseDay(from)) / MS_PER_DAY);
}

/** Sums the history per day, validating it; days after `asOf` are dropped. */
function dailyTotals(history: readonly DailyCost[], asOf: string): Map<string, number> {
  const totals = new Map<string, number>();
  history.forEach((entry, i) => {
    const date = entry.date;
    parseDay(date, `history[${i}].date`);
    if (!Number.isSafeInteger(entry.costNano) || entry.costNano < 0) {
      throw validationError(`history[${i}].costNano`, 'must be a non-negative whole number of nano-USD');
    }
    if (date <= asOf) totals.set(date, addNano(totals.get(date) ?? 0, entry.costNano));
  });
  return totals;
}

function validateInput(input: ForecastInput): { fraction: number; periodToDate: NanoUsd } {
  parseDay(input.asOf, 'asOf');
  const { horizonDays, periodEnd, asOfElapsedFraction: fraction = 1, periodToDateNano = 0 } = input;
  if (!Number.isInteger(horizonDays) || horizonDays < 0 || horizonDays > MAX_FORECAST_HORIZON_DAYS) {
    throw validationError('horizonDays', `must be a whole number from 0 to ${MAX_FORECAST_HORIZON_DAYS}`);
  }
  if (periodEnd !== undefined) {
    parseDay(periodEnd, 'periodEnd');
    if (periodEnd < input.asOf) throw validationError('periodEnd', 'must not be before asOf');
  }
  if (!(fraction > 0 && fraction <= 1)) {
    throw validationError('asOfElapsedFraction', 'must be greater than 0 and at most 1');
  }
  if (!Number.isSafeInteger(periodToDateNano) || periodToDateNano < 0) {
    throw validationError('periodToDateNano', 'must be a non-negative whole number of nano-USD');
  }
  return { fraction, periodToDate: periodToDateNano };
}

/** The history window to fit: from the first day with spend (at most 56 days back) to `asOf`. */
function fitPoints(
  totals: Map<string, number>,
  asOf: string,
  fraction: number,
): { start: string; points: Point[] } {
  const spendDays = [...totals.entries()].filter(([, cost]) => cost > 0).map(([date]) => date);
  if (spendDays.length === 0) return { start: asOf, points: [] };
  const firstSpend = spendDays.sort()[0]!;
  const start = addDays(asOf, -Math.min(FORECAST_WINDOW_DAYS - 1, dayIndex(firstSpend, asOf)));
  const points = daysBetween(start, asOf).map((date, index) => ({
    index,
    dayOfWeek: dayOfWeek(date),
    value: totals.get(date) ?? 0,
  }));
  if (fraction < 1) {
    // A partial last day is left out of the fit, unless it is all there is: then it is scaled up.
    if (points.length > 1) points.pop();
    else points[0]!.value /= Math.max(fraction, 1 / 24);
  }
  return { start, points };
}

interface Prediction {
  x: number[];
  raw: number;
}

function predict(model: Fit, windowStart: string, date: string): Prediction {
  const x = regressors(model.method, dayIndex(windowStart, date), dayOfWeek(date));
  return { x, raw: dot(x, model.beta) };
}

/**
 * Forecasts daily spend after `asOf` and projects the spend at the end of the current period.
 *
 * Method (named in the result), fitted by least squares on the last up to 56 days, starting at the
 * first day with spend (leading zero days are not history):
 * - `none`: no spend at all → zeros, confidence 0;
 * - `mean`: fewer than 3 days → their mean;
 * - `linear-trend`: 3..13 days → intercept + slope per day;
 * - `linear-trend+weekly-seasonality`: 14 days or more → the trend plus an additive day-of-week
 *   offset, kept only when it cuts the residual standard deviation by at least 10 % (otherwise
 *   `linear-trend`).
 * Expected values are never negative. Bounds are an ≈ 80 % prediction interval from the residual
 * standard deviation, widening with the distance from the fitted days (OLS prediction variance);
 * lower bounds are never negative. The period projection adds, exactly, `periodToDateNano` to the
 * rounded model output for the rest of `asOf` and every day up to `periodEnd` (or, without it, every
 * day of the horizon); its interval is that of the sum. Days are calendar days as given.
 * Throws a `ValidationError` naming the bad field.
 */
export function forecastSpend(input: ForecastInput): Forecast {
  const { fraction, periodToDate } = validateInput(input);
  const { asOf, horizonDays } = input;
  const periodEnd = input.periodEnd ?? null;
  const { start: windowStart, points } = fitPoints(dailyTotals(input.history, asOf), asOf, fraction);
  const lastDay = periodEnd ?? addDays(asOf, horizonDays);
  const horizon = horizonDays > 0 ? daysBetween(addDays(asOf, 1), addDays(asOf, horizonDays)) : [];
  if (points.length === 0) {
    return {
      method: 'none',
      confidence: 0,
      asOf,
      periodEnd,
      historyDays: 0,
      daily: horizon.map((date) => ({ date, expectedNano: 0, lowerNano: 0, upperNano: 0 })),
      remainderOfAsOfNano: 0,
      projectedPeriodEndNano: periodToDate,
      projectedPeriodEndLowerNano: periodToDate,
      projectedPeriodEndUpperNano: periodToDate,
    };
  }
  const model = chooseFit(points);
  const daily = horizon.map((date) => {
    const { x, raw } = predict(model, windowStart, date);
    const spread = Z80 * model.sigma * Math.sqrt(1 + quadratic(x, model.inverse));
    return {
      date,
      expectedNano: Math.round(Math.max(0, raw)),
      lowerNano: Math.round(Math.max(0, raw - spread)),
      upperNano: Math.round(Math.max(0, raw + spread)),
    };
  });

  // The period sum: weight 1 for whole remaining days, (1 - fraction) for the rest of asOf.
  const weighted: { weight: number; prediction: Prediction }[] = [];
  if (fraction < 1) weighted.push({ weight: 1 - fraction, prediction: predict(model, windowStart, asOf) });
  if (lastDay > asOf) {
    for (const date of daysBetween(addDays(asOf, 1), lastDay)) {
      weighted.push({ weight: 1, prediction: predict(model, windowStart, date) });
    }
  }
  const remainderOfAsOfNano =
    fraction < 1 ? Math.round((1 - fraction) * Math.max(0, weighted[0]!.prediction.raw)) : 0;
  let expectedRest = 0;
  const summed = new Array<number>(model.beta.length).fill(0);
  let weightSquares = 0;
  for (const { weight, prediction } of weighted) {
    expectedRest += Math.round(weight * Math.max(0, prediction.raw));
    prediction.x.forEach((value, i) => {
      summed[i]! += weight * value;
    });
    weightSquares += weight * weight;
  }
  const spreadRest = Z80 * model.sigma * Math.sqrt(weightSquares + quadratic(summed, model.inverse));
  const dataFactor = Math.min(1, model.days / FULL_CONFIDENCE_DAYS);
  const fitFactor = model.level > 0 ? 1 / (1 + model.sigma / model.level) : 1;
  return {
    method: model.method,
    confidence: Math.round(dataFactor * fitFactor * 1000) / 1000,
    asOf,
    periodEnd,
    historyDays: model.days,
    daily,
    remainderOfAsOfNano,
    projectedPeriodEndNano: addNano(periodToDate, nano(expectedRest)),
    projectedPeriodEndLowerNano: addNano(periodToDate, Math.round(Math.max(0, expectedRest - spreadRest))),
    projectedPeriodEndUpperNano: addNano(periodToDate, Math.round(expectedRest + spreadRest)),
  };
}

/**
 * The first day on which the cumulative expected spend of the period — `periodToDateNano`, plus the
 * rest of `asOf`, plus each forecast day in turn — reaches `percent` % of `limitNano` (exact integer
 * comparison). `forecast.asOf` when that is already so; `null` when it does not happen within the
 * forecast days, or not before the forecast's `periodEnd` (spend resets with the period).
 */
export function firstCrossingDate(
  forecast: Forecast,
  periodToDateNano: NanoUsd,
  limitNano: NanoUsd,
  percent: number,
): string | null {
  let cumulative = addNano(periodToDateNano, forecast.remainderOfAsOfNano);
  if (reachesPercent(cumulative, limitNano, percent)) return forecast.asOf;
  for (const day of forecast.daily) {
    if (forecast.periodEnd !== null && day.date > forecast.periodEnd) break;
    cumulative = addNano(cumulative, day.expectedNano);
    if (reachesPercent(cumulative, limitNano, percent)) return day.date;
  }
  return null;
}
