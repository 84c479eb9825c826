import { ValidationError } from './errors.js';
import type { DailyCost } from './forecast.js';
import { daysBetween, parseDay } from './periods.js';

export type PatternType = 'steady' | 'growing' | 'declining' | 'spiky' | 'seasonal' | 'insufficient_data';

/** Descriptive statistics of the classified series (floats; nano-USD where named so). */
export interface PatternStats {
  /** Days classified: from the first day with spend to the last day given, gaps counted as 0. */
  days: number;
  meanNano: number;
  medianNano: number;
  stdDevNano: number;
  /** Standard deviation / mean. */
  coefficientOfVariation: number;
  /** Least-squares slope as a share of the mean per week (0.1 = +10 % of the mean per week). */
  trendPerWeek: number;
  /** Share of the variance the linear trend explains (0..1). */
  trendRSquared: number;
  /** Standard deviation of the residuals around the trend / mean. */
  residualVariation: number;
  /** Correlation of the detrended series with itself a week earlier; null below 14 days. */
  weeklyAutocorrelation: number | null;
  /** Days more than 3 residual standard deviations above the trend or 3× their week's median. */
  spikeDays: number;
}

export interface UsagePattern {
  type: PatternType;
  /** 0..1; 0 for `insufficient_data`. */
  confidence: number;
  stats: PatternStats;
}

/** Fewer days than this (after leading zero days) are `insufficient_data`. */
export const PATTERN_MIN_DAYS = 7;
const SEASONAL_MIN_DAYS = 14;
const SEASONAL_MIN_AUTOCORRELATION = 0.5;
const SEASONAL_MIN_VARIATION = 0.1;
const SPIKE_SIGMAS = 3;
const SPIKE_MEDIAN_FACTOR = 3;
const ERRATIC_VARIATION = 1;
const TREND_MIN_PER_WEEK = 0.05;
const TREND_MIN_R_SQUARED = 0.3;
const FULL_CONFIDENCE_DAYS = 28;

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function populationStdDev(values: readonly number[], center: number): number {
  return Math.sqrt(values.reduce((sum, v) => sum + (v - center) ** 2, 0) / values.length);
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const meanA = mean(a);
  const meanB = mean(b);
  let cross = 0;
  let squaresA = 0;
  let squaresB = 0;
  a.forEach((value, i) => {
    cross += (value - meanA) * (b[i]! - meanB);
    squaresA += (value - meanA) ** 2;
    squaresB += (b[i]! - meanB) ** 2;
  });
  return squaresA > 0 && squaresB > 0 ? cross / Math.sqrt(squaresA * squaresB) : 0;
}

/** The series to classify: per-day totals from the first day with spend to the last day given. */
function series(daily: readonly DailyCost[]): number[] {
  const totals = new Map<string, number>();
  daily.forEach((entry, i) => {
    parseDay(entry.date, `daily[${i}].date`);
    if (!Number.isSafeInteger(entry.costNano) || entry.costNano < 0) {
      throw new ValidationError('invalid usage series', [
        { path: `daily[${i}].costNano`, message: 'must be a non-negative whole number of nano-USD' },
      ]);
    }
    totals.set(entry.date, (totals.get(entry.date) ?? 0) + entry.costNano);
  });
  const dates = [...totals.keys()].sort();
  const spendDates = dates.filter((date) => totals.get(date)! > 0);
  if (spendDates.length === 0) return [];
  return daysBetween(spendDates[0]!, dates.at(-1)!).map((date) => totals.get(date) ?? 0);
}

interface Analysis {
  stats: PatternStats;
  /** Strongest spike relative to its detection limit (≥ 1 when there is a spike), else 0. */
  spikeStrength: number;
}

function analyse(values: readonly number[]): Analysis {
  const n = values.length;
  const average = mean(values);
  const deviation = populationStdDev(values, average);
  const center = (n - 1) / 2;
  const sxx = values.reduce((sum, _, t) => sum + (t - center) ** 2, 0);
  const sxy = values.reduce((sum, v, t) => sum + (t - center) * (v - average), 0);
  const slope = sxy / sxx; // n >= 7 days, so sxx > 0
  const rawResiduals = values.map((v, t) => v - (average + slope * (t - center)));
  const totalSquares = values.reduce((sum, v) => sum + (v - average) ** 2, 0);
  const rawResidualDeviation = populationStdDev(rawResiduals, 0);
  // Float noise around an exact line is not variation.
  const exactFit = rawResidualDeviation <= 1e-9 * average;
  const residuals = exactFit ? rawResiduals.map(() => 0) : rawResiduals;
  const residualDeviation = exactFit ? 0 : rawResidualDeviation;
  const rSquared =
    totalSquares > 0 ? Math.min(1, Math.max(0, 1 - (residualDeviation ** 2 * n) / totalSquares)) : 0;

  let spikeDays = 0;
  let spikeStrength = 0;
  values.forEach((v, t) => {
    const sigmaStrength = residualDeviation > 0 ? residuals[t]! / (SPIKE_SIGMAS * residualDeviation) : 0;
    const localMedian = median(values.slice(Math.max(0, t - 3), t + 4));
    const medianStrength = localMedian > 0 ? v / (SPIKE_MEDIAN_FACTOR * localMedian) : 0;
    const strength = Math.max(sigmaStrength, medianStrength);
    if (strength > 1) {
      spikeDays += 1;
      spikeStrength = Math.max(spikeStrength, strength);
    }
  });

  return {
    stats: {
      days: n,
      meanNano: average,
      medianNano: median(values),
      stdDevNano: deviation,
      coefficientOfVariation: deviation / average,
      trendPerWeek: (slope * 7) / average,
      trendRSquared: rSquared,
      residualVariation: residualDeviation / average,
      weeklyAutocorrelation:
        n >= SEASONAL_MIN_DAYS ? pearson(residuals.slice(7), residuals.slice(0, n - 7)) : null,
      spikeDays,
    },
    spikeStrength,
  };
}

function emptyStats(days: number): PatternStats {
  return {
    days,
    meanNano: 0,
    medianNano: 0,
    stdDevNano: 0,
    coefficientOfVariation: 0,
    trendPerWeek: 0,
    trendRSquared: 0,
    residualVariation: 0,
    weeklyAutocorrelation: null,
    spikeDays: 0,
  };
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/**
 * Classifies a series of daily costs. Leading days without spend are ignored (usage had not begun),
 * gaps count as 0. The first rule that holds decides, in this order:
 * 1. `insufficient_data` — fewer than 7 days, or no spend at all (confidence 0);
 * 2. `seasonal` — 14+ days whose detrended series correlates ≥ 0.5 with itself a week earlier and
 *    swings by ≥ 10 % of the mean (a weekly rhythm; it comes first because its peaks look like spikes);
 * 3. `spiky` — a day more than 3 residual standard deviations above the trend or above 3× the median of
 *    its 7-day neighbourhood, or residual variation ≥ 1 (erratic, bursty use);
 * 4. `growing` / `declining` — trend of at least ±5 % of the mean per week explaining ≥ 30 % of variance;
 * 5. `steady` — none of the above.
 * Confidence is the strength of the deciding signal (autocorrelation, spike size, R², 1 − residual
 * variation) times √(days / 28) capped at 1. All statistics are ratios, so scaling the series by a
 * positive constant does not change the result.
 */
export function classifyPattern(daily: readonly DailyCost[]): UsagePattern {
  const values = series(daily);
  if (values.length < PATTERN_MIN_DAYS) {
    return { type: 'insufficient_data', confidence: 0, stats: emptyStats(values.length) };
  }
  const { stats, spikeStrength } = analyse(values);
  const dataFactor = Math.sqrt(Math.min(1, stats.days / FULL_CONFIDENCE_DAYS));
  const result = (type: PatternType, strength: number): UsagePattern => ({
    type,
    confidence: Math.round(clamp01(strength) * dataFactor * 1000) / 1000,
    stats,
  });
  const autocorrelation = stats.weeklyAutocorrelation ?? 0;
  if (autocorrelation >= SEASONAL_MIN_AUTOCORRELATION && stats.residualVariation >= SEASONAL_MIN_VARIATION) {
    return result('seasonal', autocorrelation);
  }
  if (stats.spikeDays > 0) return result('spiky', 0.5 + (spikeStrength - 1) / 2);
  if (stats.residualVariation >= ERRATIC_VARIATION) return result('spiky', stats.residualVariation / 2);
  if (Math.abs(stats.trendPerWeek) >= TREND_MIN_PER_WEEK && stats.trendRSquared >= TREND_MIN_R_SQUARED) {
    return result(stats.trendPerWeek > 0 ? 'growing' : 'declining', stats.trendRSquared);
  }
  return result('steady', 1 - stats.residualVariation);
}
