import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DailyCost, type ForecastInput, firstCrossingDate, forecastSpend } from '../src/forecast.js';
import { addDays, daysBetween } from '../src/periods.js';
import { validationPaths } from './support/validation.js';

const MICRO = 1_000; // one micro-dollar in nano
const USD = 1_000_000_000;

/** A daily series ending at `asOf`, value given per day index (0 = first day) and date. */
function series(asOf: string, days: number, value: (index: number, date: string) => number): DailyCost[] {
  return daysBetween(addDays(asOf, 1 - days), asOf).map((date, index) => ({
    date,
    costNano: value(index, date),
  }));
}

function isWeekend(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

const ASOF = '2026-11-20';

describe('forecastSpend: no history', () => {
  it('empty history gives zeros with confidence 0', () => {
    const forecast = forecastSpend({ history: [], asOf: ASOF, horizonDays: 3, periodToDateNano: 7 });
    expect(forecast).toEqual({
      method: 'none',
      confidence: 0,
      asOf: ASOF,
      periodEnd: null,
      historyDays: 0,
      daily: [
        { date: '2026-11-21', expectedNano: 0, lowerNano: 0, upperNano: 0 },
        { date: '2026-11-22', expectedNano: 0, lowerNano: 0, upperNano: 0 },
        { date: '2026-11-23', expectedNano: 0, lowerNano: 0, upperNano: 0 },
      ],
      remainderOfAsOfNano: 0,
      projectedPeriodEndNano: 7,
      projectedPeriodEndLowerNano: 7,
      projectedPeriodEndUpperNano: 7,
    });
  });

  it('a history of zero days, or only days after asOf, is no history', () => {
    const zeros = forecastSpend({ history: series(ASOF, 10, () => 0), asOf: ASOF, horizonDays: 1 });
    expect(zeros.method).toBe('none');
    const future = forecastSpend({
      history: [{ date: '2026-11-25', costNano: 5 * USD }],
      asOf: ASOF,
      horizonDays: 1,
    });
    expect(future).toMatchObject({ method: 'none', confidence: 0, projectedPeriodEndNano: 0 });
  });
});

describe('forecastSpend: known answers', () => {
  it('a constant series projects the constant, with a tight interval and full confidence', () => {
    const forecast = forecastSpend({
      history: series(ASOF, 28, () => 2 * USD),
      asOf: ASOF,
      horizonDays: 5,
      periodEnd: '2026-11-30',
      periodToDateNano: 40 * USD,
    });
    expect(forecast.method).toBe('linear-trend');
    expect(forecast.confidence).toBe(1);
    expect(forecast.historyDays).toBe(28);
    expect(forecast.daily.map((d) => d.date)).toEqual(daysBetween('2026-11-21', '2026-11-25'));
    for (const day of forecast.daily) {
      expect(day).toMatchObject({ expectedNano: 2 * USD, lowerNano: 2 * USD, upperNano: 2 * USD });
    }
    // 10 remaining days in November at 2 USD on top of the exact 40 USD so far.
    expect(forecast.projectedPeriodEndNano).toBe(60 * USD);
    expect(forecast.projectedPeriodEndLowerNano).toBe(60 * USD);
    expect(forecast.projectedPeriodEndUpperNano).toBe(60 * USD);
  });

  it('a perfect line projects the line', () => {
    // 1000 µ$ on the first of 20 days, +50 µ$ each day: day 19 (asOf) is 1950, day 20 is 2000.
    const forecast = forecastSpend({
      history: series(ASOF, 20, (i) => (1000 + 50 * i) * MICRO),
      asOf: ASOF,
      horizonDays: 4,
      periodEnd: '2026-11-22',
      periodToDateNano: 123,
    });
    expect(forecast.method).toBe('linear-trend');
    expect(forecast.daily.map((d) => d.expectedNano)).toEqual([2000, 2050, 2100, 2150].map((v) => v * MICRO));
    expect(
      forecast.daily.every((d) => d.lowerNano === d.expectedNano && d.upperNano === d.expectedNano),
    ).toBe(true);
    // The period ends on the 22nd: two more days (2000 + 2050 µ$) after the exact period to date.
    expect(forecast.projectedPeriodEndNano).toBe(123 + 4050 * MICRO);
  });

  it('a declining line is never projected below zero', () => {
    const forecast = forecastSpend({
      history: series(ASOF, 10, (i) => (1000 - 100 * i) * MICRO),
      asOf: ASOF,
      horizonDays: 4,
    });
    // Day 9 (asOf) is 100 µ$; then 0, -100, ... clamped to 0.
    expect(forecast.daily.map((d) => d.expectedNano)).toEqual([0, 0, 0, 0]);
    expect(forecast.daily.every((d) => d.lowerNano === 0 && d.upperNano === 0)).toBe(true);
    expect(forecast.projectedPeriodEndNano).toBe(0);
    expect(forecast.projectedPeriodEndLowerNano).toBe(0);
  });

  it('a weekly pattern (weekends at 20 %) is reproduced by day of week', () => {
    const forecast = forecastSpend({
      history: series(ASOF, 28, (_, date) => (isWeekend(date) ? 200 : 1000) * MICRO),
      asOf: ASOF,
      horizonDays: 14,
    });
    expect(forecast.method).toBe('linear-trend+weekly-seasonality');
    expect(forecast.confidence).toBe(1);
    for (const day of forecast.daily) {
      expect(day.expectedNano).toBe((isWeekend(day.date) ? 200 : 1000) * MICRO);
      expect(day.lowerNano).toBe(day.expectedNano);
      expect(day.upperNano).toBe(day.expectedNano);
    }
    // Without periodEnd the horizon is the period: 10 weekdays and 4 weekend days.
    expect(forecast.projectedPeriodEndNano).toBe((10 * 1000 + 4 * 200) * MICRO);
  });

  it('a trend with a weekly pattern is reproduced exactly', () => {
    const value = (i: number, date: string) => (5000 + 20 * i - (isWeekend(date) ? 3000 : 0)) * MICRO;
    const forecast = forecastSpend({ history: series(ASOF, 35, value), asOf: ASOF, horizonDays: 7 });
    expect(forecast.method).toBe('linear-trend+weekly-seasonality');
    forecast.daily.forEach((day, k) => {
      expect(day.expectedNano).toBe(value(35 + k, day.date));
    });
  });

  it('uses the trend only below 14 days, even with a weekly pattern', () => {
    const forecast = forecastSpend({
      history: series(ASOF, 13, (_, date) => (isWeekend(date) ? 200 : 1000) * MICRO),
      asOf: ASOF,
      horizonDays: 7,
    });
    expect(forecast.method).toBe('linear-trend');
    const expected = forecast.daily.map((d) => d.expectedNano);
    // Weekend and weekday forecasts differ only by the trend, never by the weekly pattern.
    expect(Math.max(...expected) - Math.min(...expected)).toBeLessThan(300 * MICRO);
  });

  it('the mean for one or two days of history, with low confidence', () => {
    const one = forecastSpend({ history: [{ date: ASOF, costNano: 900 }], asOf: ASOF, horizonDays: 2 });
    expect(one.method).toBe('mean');
    expect(one.daily.map((d) => d.expectedNano)).toEqual([900, 900]);
    expect(one.daily[0]!.upperNano).toBeGreaterThan(900);
    expect(one.confidence).toBeGreaterThan(0);
    expect(one.confidence).toBeLessThan(0.05);
    const two = forecastSpend({
      history: [
        { date: '2026-11-19', costNano: 800 },
        { date: ASOF, costNano: 1000 },
      ],
      asOf: ASOF,
      horizonDays: 1,
    });
    expect(two).toMatchObject({ method: 'mean', historyDays: 2 });
    expect(two.daily[0]!.expectedNano).toBe(900);
  });

  it('three days are enough for a trend', () => {
    const forecast = forecastSpend({
      history: series(ASOF, 3, (i) => 100 + 10 * i),
      asOf: ASOF,
      horizonDays: 1,
    });
    expect(forecast.method).toBe('linear-trend');
    expect(forecast.daily[0]!.expectedNano).toBe(130);
  });
});

describe('forecastSpend: history handling', () => {
  it('missing days count as zero', () => {
    const history = series(ASOF, 10, () => 1000).filter((_, i) => i !== 9);
    const withGap = forecastSpend({ history, asOf: ASOF, horizonDays: 1 });
    const withZero = forecastSpend({
      history: series(ASOF, 10, (i) => (i === 9 ? 0 : 1000)),
      asOf: ASOF,
      horizonDays: 1,
    });
    expect(withGap.daily).toEqual(withZero.daily);
    expect(withGap.daily[0]!.expectedNano).toBeLessThan(1000);
  });

  it('adds duplicate days and ignores days after asOf', () => {
    const history = [
      ...series(ASOF, 5, () => 500),
      ...series(ASOF, 5, () => 500),
      { date: '2026-11-21', costNano: 99 },
    ];
    const forecast = forecastSpend({ history, asOf: ASOF, horizonDays: 1 });
    expect(forecast.daily[0]!.expectedNano).toBe(1000);
  });

  it('leading days without spend are not history', () => {
    const history = series(ASOF, 20, (i) => (i < 15 ? 0 : 700));
    const forecast = forecastSpend({ history, asOf: ASOF, horizonDays: 1 });
    expect(forecast).toMatchObject({ historyDays: 5, method: 'linear-trend' });
    expect(forecast.daily[0]!.expectedNano).toBe(700);
  });

  it('spend that stopped more than 56 days ago forecasts zero', () => {
    const history = [
      { date: addDays(ASOF, -80), costNano: 5 * USD },
      { date: ASOF, costNano: 0 },
    ];
    const forecast = forecastSpend({ history, asOf: ASOF, horizonDays: 2 });
    expect(forecast).toMatchObject({ method: 'linear-trend', historyDays: 56, projectedPeriodEndNano: 0 });
    expect(forecast.daily.every((d) => d.expectedNano === 0 && d.upperNano === 0)).toBe(true);
    expect(forecast.confidence).toBe(1);
  });

  it('fits at most the last 56 days', () => {
    const history = series(ASOF, 100, (i) => (i < 44 ? 50_000 : 700));
    const forecast = forecastSpend({ history, asOf: ASOF, horizonDays: 1 });
    expect(forecast.historyDays).toBe(56);
    expect(forecast.daily[0]!.expectedNano).toBe(700);
  });
});

describe('forecastSpend: a partial last day', () => {
  it('is left out of the fit and its remainder is forecast', () => {
    const history = series(ASOF, 21, (i) => (i === 20 ? 250 : 1000) * MICRO);
    const forecast = forecastSpend({
      history,
      asOf: ASOF,
      horizonDays: 2,
      periodEnd: '2026-11-22',
      periodToDateNano: 5250 * MICRO,
      asOfElapsedFraction: 0.25,
    });
    expect(forecast.historyDays).toBe(20);
    expect(forecast.daily.map((d) => d.expectedNano)).toEqual([1000 * MICRO, 1000 * MICRO]);
    expect(forecast.remainderOfAsOfNano).toBe(750 * MICRO);
    expect(forecast.projectedPeriodEndNano).toBe((5250 + 750 + 2000) * MICRO);
  });

  it('is scaled up to a whole day when it is the only day', () => {
    const forecast = forecastSpend({
      history: [{ date: ASOF, costNano: 300 }],
      asOf: ASOF,
      horizonDays: 1,
      periodEnd: ASOF,
      periodToDateNano: 300,
      asOfElapsedFraction: 0.25,
    });
    expect(forecast.daily[0]!.expectedNano).toBe(1200);
    expect(forecast.remainderOfAsOfNano).toBe(900);
    expect(forecast.projectedPeriodEndNano).toBe(1200);
    expect(forecast.projectedPeriodEndLowerNano).toBeLessThanOrEqual(1200);
    expect(forecast.projectedPeriodEndLowerNano).toBeGreaterThanOrEqual(300);
    // Very early in the day the scale-up is capped at 24×.
    const early = forecastSpend({
      history: [{ date: ASOF, costNano: 10 }],
      asOf: ASOF,
      horizonDays: 1,
      asOfElapsedFraction: 0.001,
    });
    expect(early.daily[0]!.expectedNano).toBe(240);
  });
});

describe('forecastSpend: period projection', () => {
  const history = series(ASOF, 28, () => 1000);

  it('asOf on the last day of the period adds nothing', () => {
    const forecast = forecastSpend({
      history,
      asOf: ASOF,
      horizonDays: 3,
      periodEnd: ASOF,
      periodToDateNano: 42,
    });
    expect(forecast.projectedPeriodEndNano).toBe(42);
    expect(forecast.projectedPeriodEndLowerNano).toBe(42);
    expect(forecast.projectedPeriodEndUpperNano).toBe(42);
    expect(forecast.daily).toHaveLength(3);
  });

  it('covers the whole period even beyond the horizon', () => {
    const forecast = forecastSpend({ history, asOf: ASOF, horizonDays: 0, periodEnd: '2026-11-30' });
    expect(forecast.daily).toEqual([]);
    expect(forecast.projectedPeriodEndNano).toBe(10 * 1000);
  });

  it('noisy history gives ordered bounds that widen with the horizon', () => {
    const noise = [0, 130, -80, 40, -150, 90, -30, 60, -110, 20, 140, -60, 10, -90];
    const noisy = series(ASOF, 28, (i) => 10_000 + 50 * i + noise[i % noise.length]! * 10);
    const forecast = forecastSpend({ history: noisy, asOf: ASOF, horizonDays: 30, periodEnd: '2026-11-30' });
    expect(forecast.confidence).toBeGreaterThan(0.5);
    expect(forecast.confidence).toBeLessThan(1);
    const widths = forecast.daily.map((d) => d.upperNano - d.lowerNano);
    expect(widths[0]).toBeGreaterThan(0);
    expect(widths.at(-1)!).toBeGreaterThan(widths[0]!);
    for (const d of forecast.daily) {
      expect(d.lowerNano).toBeLessThanOrEqual(d.expectedNano);
      expect(d.upperNano).toBeGreaterThanOrEqual(d.expectedNano);
    }
    expect(forecast.projectedPeriodEndLowerNano).toBeLessThan(forecast.projectedPeriodEndNano);
    expect(forecast.projectedPeriodEndUpperNano).toBeGreaterThan(forecast.projectedPeriodEndNano);
    // The period sum equals the sum of the daily forecasts up to the period end.
    const sum = forecast.daily.filter((d) => d.date <= '2026-11-30').reduce((s, d) => s + d.expectedNano, 0);
    expect(forecast.projectedPeriodEndNano).toBe(sum);
  });
});

describe('forecastSpend: input checks', () => {
  const base: ForecastInput = { history: [], asOf: ASOF, horizonDays: 1 };
  it('names the bad field', () => {
    expect(validationPaths(() => forecastSpend({ ...base, asOf: '20-11-2026' }))).toEqual(['asOf']);
    for (const horizonDays of [-1, 367, 1.5]) {
      expect(validationPaths(() => forecastSpend({ ...base, horizonDays }))).toEqual(['horizonDays']);
    }
    expect(validationPaths(() => forecastSpend({ ...base, periodEnd: '2026-11-19' }))).toEqual(['periodEnd']);
    expect(validationPaths(() => forecastSpend({ ...base, periodEnd: 'soon' }))).toEqual(['periodEnd']);
    for (const asOfElapsedFraction of [0, 1.5, Number.NaN]) {
      expect(validationPaths(() => forecastSpend({ ...base, asOfElapsedFraction }))).toEqual([
        'asOfElapsedFraction',
      ]);
    }
    expect(validationPaths(() => forecastSpend({ ...base, periodToDateNano: -1 }))).toEqual([
      'periodToDateNano',
    ]);
    expect(
      validationPaths(() => forecastSpend({ ...base, history: [{ date: '2026-11-31', costNano: 1 }] })),
    ).toEqual(['history[0].date']);
    expect(
      validationPaths(() =>
        forecastSpend({
          ...base,
          history: [
            { date: ASOF, costNano: 1 },
            { date: ASOF, costNano: 0.5 },
          ],
        }),
      ),
    ).toEqual(['history[1].costNano']);
    expect(
      validationPaths(() => forecastSpend({ ...base, history: [{ date: ASOF, costNano: -3 }] })),
    ).toEqual(['history[0].costNano']);
  });
});

describe('forecastSpend properties', () => {
  it('a constant series of any length and level projects the constant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 10 ** 12 }), (days, level) => {
        const forecast = forecastSpend({
          history: series(ASOF, days, () => level),
          asOf: ASOF,
          horizonDays: 3,
        });
        expect(forecast.daily.map((d) => d.expectedNano)).toEqual([level, level, level]);
      }),
    );
  });

  it('bounds are ordered and non-negative, confidence in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(10 ** 9), { minLength: 1, maxLength: 70 }),
        fc.integer({ min: 0, max: 40 }),
        (values, horizonDays) => {
          const history = series(ASOF, values.length, (i) => values[i]!);
          const forecast = forecastSpend({ history, asOf: ASOF, horizonDays, periodEnd: '2026-12-31' });
          expect(forecast.confidence).toBeGreaterThanOrEqual(0);
          expect(forecast.confidence).toBeLessThanOrEqual(1);
          expect(forecast.daily).toHaveLength(horizonDays);
          for (const d of forecast.daily) {
            expect(d.lowerNano).toBeGreaterThanOrEqual(0);
            expect(d.lowerNano).toBeLessThanOrEqual(d.expectedNano);
            expect(d.expectedNano).toBeLessThanOrEqual(d.upperNano);
          }
          expect(forecast.projectedPeriodEndLowerNano).toBeLessThanOrEqual(forecast.projectedPeriodEndNano);
          expect(forecast.projectedPeriodEndNano).toBeLessThanOrEqual(forecast.projectedPeriodEndUpperNano);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('firstCrossingDate', () => {
  const forecast = forecastSpend({
    history: series(ASOF, 28, () => 1 * USD),
    asOf: ASOF,
    horizonDays: 20,
    periodEnd: '2026-11-30',
  });

  it('is the first day the cumulative expected spend reaches the level', () => {
    // 10 USD so far, 1 USD a day: 15 USD on the 5th day after asOf.
    expect(firstCrossingDate(forecast, 10 * USD, 15 * USD, 100)).toBe('2026-11-25');
    // warning at 80 % of 15 USD = 12 USD on the 2nd day.
    expect(firstCrossingDate(forecast, 10 * USD, 15 * USD, 80)).toBe('2026-11-22');
    // exactly: 12 USD minus a nano would be reached on the same day, plus a nano a day later.
    expect(firstCrossingDate(forecast, 10 * USD + 1, 15 * USD, 80)).toBe('2026-11-22');
    expect(firstCrossingDate(forecast, 10 * USD - 1, 15 * USD, 80)).toBe('2026-11-23');
  });

  it('is asOf when the level is already reached', () => {
    expect(firstCrossingDate(forecast, 15 * USD, 15 * USD, 100)).toBe(ASOF);
  });

  it('is null when the level is not reached before the period ends', () => {
    // The period ends on the 30th (10 days): 10 + 10 = 20 USD < 25 USD, although the horizon runs on.
    expect(firstCrossingDate(forecast, 10 * USD, 25 * USD, 100)).toBeNull();
    const open = forecastSpend({ history: series(ASOF, 28, () => 1 * USD), asOf: ASOF, horizonDays: 20 });
    expect(firstCrossingDate(open, 10 * USD, 25 * USD, 100)).toBe('2026-12-05');
    expect(firstCrossingDate(open, 10 * USD, 100 * USD, 100)).toBeNull();
  });

  it('counts the rest of a partial asOf', () => {
    const partial = forecastSpend({
      history: series(ASOF, 28, () => 1 * USD),
      asOf: ASOF,
      horizonDays: 5,
      asOfElapsedFraction: 0.5,
    });
    expect(partial.remainderOfAsOfNano).toBe(USD / 2);
    expect(firstCrossingDate(partial, 10 * USD, 10.5 * USD, 100)).toBe(ASOF);
    expect(firstCrossingDate(partial, 10 * USD, 11.5 * USD, 100)).toBe('2026-11-21');
  });
});
