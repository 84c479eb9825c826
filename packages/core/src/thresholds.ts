import { type ErrorDetail, ValidationError } from './errors.js';
import { type NanoUsd, nano } from './money.js';

/** What a threshold compares with its limit. */
export type ThresholdType = 'absolute' | 'forecast' | 'percentage';

export const THRESHOLD_TYPES: readonly ThresholdType[] = ['absolute', 'forecast', 'percentage'];

/** Breach levels in ascending severity. */
export type BreachLevel = 'warning' | 'critical' | 'emergency';

export const BREACH_LEVELS: readonly BreachLevel[] = ['warning', 'critical', 'emergency'];

/** Defaults the API fills in for a threshold; `criticalPercent` is fixed at 100. */
export const THRESHOLD_DEFAULTS = {
  warningPercent: 80,
  criticalPercent: 100,
  emergencyPercent: 150,
  changePercent: 50,
} as const;

/** Upper bound for `emergencyPercent` and `changePercent`. */
export const MAX_THRESHOLD_PERCENT = 1000;

export interface ThresholdSettings {
  type: ThresholdType;
  /** The limit for `absolute` and `forecast`; not used by `percentage`. */
  limitNano: NanoUsd;
  warningPercent: number;
  emergencyPercent: number;
  /** Used by `percentage` only: the increase over the previous period that counts as critical. */
  changePercent: number;
}

export interface ThresholdObservation {
  /** Spend of the current period so far. */
  spendNano: NanoUsd;
  /** Projected spend at the end of the current period (`forecast`). */
  projectedNano?: NanoUsd;
  /** Spend of the previous period up to the same point (`percentage`). */
  previousSpendAtSamePointNano?: NanoUsd;
}

export interface ThresholdEvaluation {
  /** The amount compared with the limit: spend, or the projection for `forecast`. */
  measuredNano: NanoUsd;
  /** The critical (100 %) limit actually used. */
  effectiveLimitNano: NanoUsd;
  /** `measured / effectiveLimit × 100` as a float, for display; 0 when data is insufficient. */
  percentOfLimit: number;
  /** Every level reached, in ascending severity. */
  levels: BreachLevel[];
  highest: BreachLevel | null;
  /** True when the comparison could not be made (no projection, no previous spend); no levels then. */
  insufficientData: boolean;
}

/**
 * A percentage as an exact fraction of integers, read from its shortest decimal form, so
 * `80.1` means 801/10 rather than the nearest binary double.
 */
function percentAsFraction(percent: number): { numerator: bigint; denominator: bigint } {
  const match = Number.isFinite(percent) ? /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(percent)) : null;
  if (!match) {
    throw new ValidationError('invalid percentage', [
      { path: 'percent', message: `${percent} is not a finite, non-negative percentage` },
    ]);
  }
  const [, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText) - fraction.length;
  const digits = BigInt(`${whole}${fraction}`);
  return exponent >= 0
    ? { numerator: digits * 10n ** BigInt(exponent), denominator: 1n }
    : { numerator: digits, denominator: 10n ** BigInt(-exponent) };
}

/**
 * Whether `measuredNano` reaches `percent` % of `limitNano`, i.e. `measured × 100 >= limit × percent`,
 * decided exactly in integers (BigInt) rather than with floats. `percent` may carry decimals.
 */
export function reachesPercent(measuredNano: NanoUsd, limitNano: NanoUsd, percent: number): boolean {
  const { numerator, denominator } = percentAsFraction(percent);
  return BigInt(nano(measuredNano)) * 100n * denominator >= BigInt(nano(limitNano)) * numerator;
}

function checkPercent(
  details: ErrorDetail[],
  path: string,
  value: unknown,
  range: { above: number; below?: number; atMost?: number },
): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    details.push({ path, message: 'must be a number' });
    return;
  }
  const { above, below, atMost } = range;
  const ok =
    value > above && (below === undefined || value < below) && (atMost === undefined || value <= atMost);
  if (!ok) {
    const upper = below === undefined ? `at most ${atMost}` : `less than ${below}`;
    details.push({ path, message: `must be greater than ${above} and ${upper}` });
  }
}

/**
 * Validates the level percentages of a threshold: `0 < warningPercent < 100 < emergencyPercent <= 1000`
 * and, when given, `0 < changePercent <= 1000`. Throws one `ValidationError` naming every bad field.
 */
export function validateThresholdLevels(settings: {
  warningPercent: number;
  emergencyPercent: number;
  changePercent?: number;
}): void {
  const details: ErrorDetail[] = [];
  checkPercent(details, 'warningPercent', settings.warningPercent, { above: 0, below: 100 });
  checkPercent(details, 'emergencyPercent', settings.emergencyPercent, {
    above: 100,
    atMost: MAX_THRESHOLD_PERCENT,
  });
  if (settings.changePercent !== undefined) {
    checkPercent(details, 'changePercent', settings.changePercent, {
      above: 0,
      atMost: MAX_THRESHOLD_PERCENT,
    });
  }
  if (details.length > 0) throw new ValidationError('invalid threshold levels', details);
}

/**
 * The critical limit of a `percentage` threshold: the previous spend raised by `changePercent`,
 * rounded UP to a whole nano-dollar (the smallest whole amount that is "up by changePercent").
 */
export function percentageLimit(previousSpendNano: NanoUsd, changePercent: number): NanoUsd {
  const { numerator, denominator } = percentAsFraction(changePercent);
  const scaled = BigInt(nano(previousSpendNano)) * (100n * denominator + numerator);
  const divisor = 100n * denominator;
  return nano(Number((scaled + divisor - 1n) / divisor));
}

/**
 * Compares a threshold with what was observed in the current period.
 * - `absolute`: spend against `limitNano`.
 * - `forecast`: the projected period-end spend against `limitNano`; no projection → insufficient data.
 * - `percentage`: spend against {@link percentageLimit} of the previous period's spend at the same
 *   point; `critical` when reached, `warning`/`emergency` at their percentages of that limit. No or
 *   zero previous spend → insufficient data (no growth can be measured).
 * A level is reached when `measured × 100 >= limit × percent`, compared exactly. With insufficient
 * data `measuredNano` is the spend, `percentOfLimit` is 0 and no level is reached.
 * Throws a `ValidationError` for bad percentages or a non-positive `absolute`/`forecast` limit.
 */
export function evaluateThreshold(
  threshold: ThresholdSettings,
  observed: ThresholdObservation,
): ThresholdEvaluation {
  const isPercentage = threshold.type === 'percentage';
  validateThresholdLevels({
    warningPercent: threshold.warningPercent,
    emergencyPercent: threshold.emergencyPercent,
    ...(isPercentage ? { changePercent: threshold.changePercent } : {}),
  });
  if (!THRESHOLD_TYPES.includes(threshold.type)) {
    throw new ValidationError('invalid threshold type', [
      { path: 'type', message: `must be one of ${THRESHOLD_TYPES.join(', ')}` },
    ]);
  }
  const spend = nano(observed.spendNano);
  let measured = spend;
  let limit: NanoUsd;
  let insufficientData = false;
  if (isPercentage) {
    const previous = observed.previousSpendAtSamePointNano;
    insufficientData = previous === undefined || previous <= 0;
    limit = insufficientData ? 0 : percentageLimit(previous as NanoUsd, threshold.changePercent);
  } else {
    if (!Number.isSafeInteger(threshold.limitNano) || threshold.limitNano <= 0) {
      throw new ValidationError('invalid threshold limit', [
        { path: 'limitUsd', message: 'must be greater than 0' },
      ]);
    }
    limit = threshold.limitNano;
    if (threshold.type === 'forecast') {
      insufficientData = observed.projectedNano === undefined;
      measured = insufficientData ? spend : nano(observed.projectedNano as NanoUsd);
    }
  }
  if (insufficientData) {
    return {
      measuredNano: measured,
      effectiveLimitNano: limit,
      percentOfLimit: 0,
      levels: [],
      highest: null,
      insufficientData,
    };
  }
  const percents: Record<BreachLevel, number> = {
    warning: threshold.warningPercent,
    critical: THRESHOLD_DEFAULTS.criticalPercent,
    emergency: threshold.emergencyPercent,
  };
  const levels = BREACH_LEVELS.filter((level) => reachesPercent(measured, limit, percents[level]));
  return {
    measuredNano: measured,
    effectiveLimitNano: limit,
    percentOfLimit: (measured / limit) * 100,
    levels,
    highest: levels.at(-1) ?? null,
    insufficientData,
  };
}

function inSeverityOrder(levels: Iterable<BreachLevel>): BreachLevel[] {
  const set = new Set(levels);
  return BREACH_LEVELS.filter((level) => set.has(level));
}

/**
 * Open breach levels that no longer hold: the measured amount is back under them (a raised limit,
 * corrected data). Nothing resolves on insufficient data, since it cannot show spend is back under;
 * breaches of an earlier period are resolved by the caller when the period changes.
 * Returned in ascending severity, without duplicates.
 */
export function levelsToResolve(
  openLevels: readonly BreachLevel[],
  evaluation: ThresholdEvaluation,
): BreachLevel[] {
  if (evaluation.insufficientData) return [];
  return inSeverityOrder(openLevels).filter((level) => !evaluation.levels.includes(level));
}

/** Levels reached now that have no open breach yet, in ascending severity. */
export function newlyCrossed(
  alreadyOpen: readonly BreachLevel[],
  evaluation: ThresholdEvaluation,
): BreachLevel[] {
  return evaluation.levels.filter((level) => !alreadyOpen.includes(level));
}
