import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ControlAction,
  type ControlConfig,
  type ControlLevel,
  type ControlRule,
  DEFAULT_CONTROL_RULES,
  DEFAULT_DOWNGRADE_MAP,
  DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE,
  decideCheck,
  effectiveLimits,
  levelForSpend,
  nextLevelAfterReverse,
  takeToken,
  validateControlConfig,
} from '../src/control-policy.js';
import { ValidationError } from '../src/errors.js';

const USD = 1_000_000_000;
const BUDGET = 100 * USD;

const OPUS_45 = 'anthropic.claude-opus-4-5-20251101-v1:0';
const SONNET_45 = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU_45 = 'anthropic.claude-haiku-4-5-20251001-v1:0';

function config(overrides: Partial<ControlConfig> = {}): ControlConfig {
  return {
    budgetNano: BUDGET,
    rules: DEFAULT_CONTROL_RULES,
    downgradeMap: DEFAULT_DOWNGRADE_MAP,
    ...overrides,
  };
}

function validationDetails(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
}

function paths(fn: () => unknown): string[] {
  return validationDetails(fn).map((d) => d.path);
}

describe('defaults', () => {
  it('rules at 80 / 100 / 120 / 150 %', () => {
    expect(DEFAULT_CONTROL_RULES).toEqual([
      { atPercent: 80, action: 'throttle_light' },
      { atPercent: 100, action: 'throttle_moderate' },
      { atPercent: 120, action: 'throttle_severe' },
      { atPercent: 150, action: 'shutdown' },
    ]);
    expect(DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE).toBe(30);
  });

  it('the downgrade map steps Opus → Sonnet → Haiku and is itself valid', () => {
    expect(DEFAULT_DOWNGRADE_MAP[OPUS_45]).toBe(SONNET_45);
    expect(DEFAULT_DOWNGRADE_MAP[SONNET_45]).toBe(HAIKU_45);
    expect(DEFAULT_DOWNGRADE_MAP[HAIKU_45]).toBeUndefined();
    expect(DEFAULT_DOWNGRADE_MAP['anthropic.claude-opus-4-1-20250805-v1:0']).toBe(
      'anthropic.claude-sonnet-4-20250514-v1:0',
    );
    expect(DEFAULT_DOWNGRADE_MAP['anthropic.claude-opus-4-20250514-v1:0']).toBe(
      'anthropic.claude-sonnet-4-20250514-v1:0',
    );
    expect(DEFAULT_DOWNGRADE_MAP['anthropic.claude-sonnet-4-20250514-v1:0']).toBe(
      'anthropic.claude-3-5-haiku-20241022-v1:0',
    );
    expect(DEFAULT_DOWNGRADE_MAP['anthropic.claude-3-opus-20240229-v1:0']).toBe(
      'anthropic.claude-3-5-sonnet-20241022-v2:0',
    );
    expect(DEFAULT_DOWNGRADE_MAP['anthropic.claude-3-5-sonnet-20240620-v1:0']).toBe(
      'anthropic.claude-3-haiku-20240307-v1:0',
    );
    expect(DEFAULT_DOWNGRADE_MAP['anthropic.claude-3-7-sonnet-20250219-v1:0']).toBe(
      'anthropic.claude-3-5-haiku-20241022-v1:0',
    );
    expect(() => validateControlConfig(config())).not.toThrow();
  });
});

describe('validateControlConfig', () => {
  it('accepts a custom valid configuration', () => {
    expect(() =>
      validateControlConfig(
        config({
          rules: [
            { atPercent: 90, action: 'throttle_moderate' },
            { atPercent: 1000, action: 'shutdown' },
          ],
          downgradeMap: { a: 'b', b: 'c' },
          maxRequestsPerMinute: 1,
        }),
      ),
    ).not.toThrow();
  });

  it('rejects a budget that is not positive', () => {
    expect(paths(() => validateControlConfig(config({ budgetNano: 0 })))).toEqual(['budgetUsd']);
    expect(paths(() => validateControlConfig(config({ budgetNano: 1.5 })))).toEqual(['budgetUsd']);
  });

  it('rejects empty or missing rules', () => {
    expect(paths(() => validateControlConfig(config({ rules: [] })))).toEqual(['rules']);
    expect(
      paths(() => validateControlConfig(config({ rules: undefined as unknown as ControlRule[] }))),
    ).toEqual(['rules']);
  });

  it('rejects percentages outside (0, 1000]', () => {
    for (const atPercent of [0, -5, 1000.5, Number.NaN, '80' as unknown as number]) {
      expect(
        paths(() => validateControlConfig(config({ rules: [{ atPercent, action: 'shutdown' }] }))),
      ).toEqual(['rules[0].atPercent']);
    }
  });

  it('rejects unknown actions and missing rule objects', () => {
    expect(
      paths(() =>
        validateControlConfig(config({ rules: [{ atPercent: 50, action: 'explode' as ControlAction }] })),
      ),
    ).toEqual(['rules[0].action']);
    expect(paths(() => validateControlConfig(config({ rules: [null as unknown as ControlRule] })))).toEqual([
      'rules[0].atPercent',
      'rules[0].action',
    ]);
  });

  it('requires strictly increasing percentages and escalating, distinct actions', () => {
    const details = validationDetails(() =>
      validateControlConfig(
        config({
          rules: [
            { atPercent: 80, action: 'throttle_moderate' },
            { atPercent: 80, action: 'throttle_severe' },
            { atPercent: 120, action: 'throttle_light' },
            { atPercent: 150, action: 'throttle_moderate' },
          ],
        }),
      ),
    );
    expect(details).toEqual([
      { path: 'rules[1].atPercent', message: 'must be greater than the previous rule' },
      { path: 'rules[2].action', message: 'must be more severe than the previous rule' },
      { path: 'rules[3].action', message: "'throttle_moderate' appears more than once" },
    ]);
  });

  it('compares order against the last valid rule when one in between is broken', () => {
    expect(
      paths(() =>
        validateControlConfig(
          config({
            rules: [
              { atPercent: 100, action: 'throttle_light' },
              { atPercent: -1, action: 'nope' as ControlAction },
              { atPercent: 90, action: 'throttle_moderate' },
            ],
          }),
        ),
      ),
    ).toEqual(['rules[1].atPercent', 'rules[1].action', 'rules[2].atPercent']);
  });

  it('rejects self-maps, empty or non-string ids, cycles and non-objects in the downgrade map', () => {
    expect(paths(() => validateControlConfig(config({ downgradeMap: { a: 'a' } })))).toEqual([
      'downgradeMap.a',
    ]);
    expect(paths(() => validateControlConfig(config({ downgradeMap: { a: '' } })))).toEqual([
      'downgradeMap.a',
    ]);
    expect(paths(() => validateControlConfig(config({ downgradeMap: { '': 'b' } })))).toEqual([
      'downgradeMap.',
    ]);
    expect(
      paths(() =>
        validateControlConfig(config({ downgradeMap: { a: 3 } as unknown as Record<string, string> })),
      ),
    ).toEqual(['downgradeMap.a']);
    expect(
      paths(() => validateControlConfig(config({ downgradeMap: { a: 'b', b: 'c', c: 'a', d: 'a' } }))),
    ).toEqual(['downgradeMap.a', 'downgradeMap.b', 'downgradeMap.c']);
    for (const bad of [null, [], 'x']) {
      expect(
        paths(() =>
          validateControlConfig(config({ downgradeMap: bad as unknown as Record<string, string> })),
        ),
      ).toEqual(['downgradeMap']);
    }
  });

  it('rejects a bad rate limit', () => {
    for (const maxRequestsPerMinute of [0, 1.5, 100_001]) {
      expect(paths(() => validateControlConfig(config({ maxRequestsPerMinute })))).toEqual([
        'maxRequestsPerMinute',
      ]);
    }
  });

  it('reports every bad field at once', () => {
    expect(
      paths(() =>
        validateControlConfig({
          budgetNano: -1,
          rules: [],
          downgradeMap: { x: 'x' },
          maxRequestsPerMinute: 0,
        }),
      ),
    ).toEqual(['budgetUsd', 'rules', 'downgradeMap.x', 'maxRequestsPerMinute']);
  });
});

describe('levelForSpend', () => {
  it('reaches each rule exactly at its boundary', () => {
    const cases: [number, ControlLevel, number | null][] = [
      [0, 'normal', null],
      [80 * USD - 1, 'normal', null],
      [80 * USD, 'light', 80],
      [100 * USD - 1, 'light', 80],
      [100 * USD, 'moderate', 100],
      [120 * USD, 'severe', 120],
      [150 * USD - 1, 'severe', 120],
      [150 * USD, 'shutdown', 150],
      [900 * USD, 'shutdown', 150],
    ];
    for (const [spend, level, atPercent] of cases) {
      const result = levelForSpend(spend, BUDGET, DEFAULT_CONTROL_RULES);
      expect(result.level).toBe(level);
      expect(result.rule?.atPercent ?? null).toBe(atPercent);
    }
    expect(levelForSpend(125 * USD, BUDGET, DEFAULT_CONTROL_RULES).percentUsed).toBeCloseTo(125, 10);
  });

  it('picks the most severe reached rule whatever the order of the list', () => {
    const reversed = [...DEFAULT_CONTROL_RULES].reverse();
    expect(levelForSpend(130 * USD, BUDGET, reversed).level).toBe('severe');
  });

  it('property: the level never falls as spend rises', () => {
    const rank = (l: ControlLevel) => ['normal', 'light', 'moderate', 'severe', 'shutdown'].indexOf(l);
    fc.assert(
      fc.property(fc.nat(300 * USD), fc.nat(300 * USD), (a, b) => {
        const low = levelForSpend(Math.min(a, b), BUDGET, DEFAULT_CONTROL_RULES);
        const high = levelForSpend(Math.max(a, b), BUDGET, DEFAULT_CONTROL_RULES);
        expect(rank(high.level)).toBeGreaterThanOrEqual(rank(low.level));
      }),
    );
  });
});

describe('nextLevelAfterReverse', () => {
  const at = (spendUsd: number, reversedActions: ControlAction[]) =>
    nextLevelAfterReverse({
      spendNano: spendUsd * USD,
      budgetNano: BUDGET,
      rules: DEFAULT_CONTROL_RULES,
      reversedActions,
    });

  it('without reversals equals levelForSpend', () => {
    expect(at(105, [])).toEqual({
      ...levelForSpend(105 * USD, BUDGET, DEFAULT_CONTROL_RULES),
      suppressed: [],
    });
  });

  it('a reversed action stays off while spend stays below the next rule', () => {
    const result = at(119, ['throttle_moderate']);
    expect(result.level).toBe('light');
    expect(result.suppressed).toEqual([{ atPercent: 100, action: 'throttle_moderate' }]);
    expect(at(119, ['throttle_moderate', 'throttle_light'])).toMatchObject({ level: 'normal', rule: null });
    expect(at(90, ['throttle_light'])).toMatchObject({ level: 'normal', rule: null });
  });

  it('crossing the next rule applies it', () => {
    expect(at(120, ['throttle_moderate', 'throttle_light'])).toMatchObject({
      level: 'severe',
      rule: { atPercent: 120, action: 'throttle_severe' },
    });
    expect(at(100, ['throttle_light']).level).toBe('moderate');
  });

  it('reversals of rules not reached are not suppressions', () => {
    expect(at(50, ['shutdown']).suppressed).toEqual([]);
  });
});

describe('effectiveLimits', () => {
  const cfg = { downgradeMap: { [OPUS_45]: SONNET_45 }, maxRequestsPerMinute: 12 };

  it('each level adds its restriction', () => {
    expect(effectiveLimits('normal', cfg)).toEqual({
      maxRequestsPerMinute: null,
      modelSubstitutions: {},
      cacheOnly: false,
      blocked: false,
    });
    expect(effectiveLimits('light', cfg)).toEqual({
      maxRequestsPerMinute: 12,
      modelSubstitutions: {},
      cacheOnly: false,
      blocked: false,
    });
    expect(effectiveLimits('moderate', cfg)).toEqual({
      maxRequestsPerMinute: 12,
      modelSubstitutions: { [OPUS_45]: SONNET_45 },
      cacheOnly: false,
      blocked: false,
    });
    expect(effectiveLimits('severe', cfg)).toEqual({
      maxRequestsPerMinute: 12,
      modelSubstitutions: { [OPUS_45]: SONNET_45 },
      cacheOnly: true,
      blocked: false,
    });
    expect(effectiveLimits('shutdown', cfg)).toEqual({
      maxRequestsPerMinute: 0,
      modelSubstitutions: {},
      cacheOnly: false,
      blocked: true,
    });
  });

  it('uses the default rate limit and copies the map', () => {
    const map = { a: 'b' };
    const limits = effectiveLimits('moderate', { downgradeMap: map });
    expect(limits.maxRequestsPerMinute).toBe(DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE);
    limits.modelSubstitutions.a = 'changed';
    expect(map.a).toBe('b');
  });
});

describe('takeToken', () => {
  it('a new bucket starts full and drains one token per request', () => {
    let result = takeToken(null, 1_000, 3);
    expect(result).toEqual({ allowed: true, bucket: { tokens: 2, updatedAtMs: 1_000 }, retryAfterMs: 0 });
    result = takeToken(result.bucket, 1_000, 3);
    result = takeToken(result.bucket, 1_000, 3);
    expect(result.allowed).toBe(true);
    result = takeToken(result.bucket, 1_000, 3);
    // 3 per minute: one token every 20 s.
    expect(result).toEqual({
      allowed: false,
      bucket: { tokens: 0, updatedAtMs: 1_000 },
      retryAfterMs: 20_000,
    });
  });

  it('refills continuously and never above capacity', () => {
    const half = takeToken({ tokens: 0, updatedAtMs: 0 }, 10_000, 3); // half a token after 10 s
    expect(half.allowed).toBe(false);
    expect(half.retryAfterMs).toBe(10_000);
    expect(half.bucket).toEqual({ tokens: 0.5, updatedAtMs: 10_000 });
    const later = takeToken(half.bucket, 20_000, 3);
    expect(later.allowed).toBe(true);
    expect(later.bucket.tokens).toBeCloseTo(0, 10);
    const idle = takeToken({ tokens: 0, updatedAtMs: 0 }, 3_600_000, 3);
    expect(idle.bucket.tokens).toBe(2);
  });

  it('a clock going back does not refill or move the bucket back', () => {
    const result = takeToken({ tokens: 0.5, updatedAtMs: 50_000 }, 10_000, 3);
    expect(result).toEqual({
      allowed: false,
      bucket: { tokens: 0.5, updatedAtMs: 50_000 },
      retryAfterMs: 10_000,
    });
  });

  it('rejects a rate that is not positive', () => {
    for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(paths(() => takeToken(null, 0, rate))).toEqual(['maxRequestsPerMinute']);
    }
  });

  it('property: never more than capacity + elapsed refill requests are allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.nat(5_000), { minLength: 1, maxLength: 200 }),
        (perMinute, gaps) => {
          let bucket = null;
          let now = 0;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            const result = takeToken(bucket, now, perMinute);
            bucket = result.bucket;
            if (result.allowed) allowed += 1;
            else expect(result.retryAfterMs).toBeGreaterThan(0);
          }
          expect(allowed).toBeLessThanOrEqual(perMinute + Math.floor((now * perMinute) / 60_000) + 1);
        },
      ),
    );
  });
});

describe('decideCheck', () => {
  const cfg = { downgradeMap: DEFAULT_DOWNGRADE_MAP, maxRequestsPerMinute: 10 };
  const refused = { allowed: false, bucket: { tokens: 0.2, updatedAtMs: 0 }, retryAfterMs: 4_800 };
  const granted = { allowed: true, bucket: { tokens: 3, updatedAtMs: 0 }, retryAfterMs: 0 };
  const check = (level: ControlLevel, modelId: string, bucket?: typeof granted, periodResetInMs?: number) =>
    decideCheck({ level, limits: effectiveLimits(level, cfg), modelId, bucket, periodResetInMs });

  it('normal allows the model asked for', () => {
    expect(check('normal', OPUS_45)).toEqual({
      decision: 'allow',
      modelId: OPUS_45,
      retryAfterMs: 0,
      reason: 'Within budget.',
    });
    // A bucket result is ignored when no rate limit is in force.
    expect(check('normal', OPUS_45, refused).decision).toBe('allow');
  });

  it('light allows within the rate and throttles beyond it', () => {
    expect(check('light', OPUS_45, granted)).toMatchObject({ decision: 'allow', modelId: OPUS_45 });
    expect(check('light', OPUS_45, refused)).toMatchObject({
      decision: 'throttle',
      modelId: OPUS_45,
      retryAfterMs: 4_800,
    });
    expect(check('light', OPUS_45).decision).toBe('allow');
  });

  it('moderate moves to the next cheaper model, one step only', () => {
    expect(check('moderate', OPUS_45, granted)).toMatchObject({ decision: 'downgrade', modelId: SONNET_45 });
    expect(check('moderate', SONNET_45, granted)).toMatchObject({ decision: 'downgrade', modelId: HAIKU_45 });
    expect(check('moderate', HAIKU_45, granted)).toMatchObject({ decision: 'allow', modelId: HAIKU_45 });
    expect(check('moderate', OPUS_45, refused)).toMatchObject({ decision: 'throttle', retryAfterMs: 4_800 });
  });

  it('does not mistake inherited object keys for substitutions', () => {
    expect(check('moderate', 'toString', granted)).toMatchObject({ decision: 'allow', modelId: 'toString' });
  });

  it('severe answers from cache only', () => {
    expect(check('severe', OPUS_45, refused)).toMatchObject({ decision: 'cache_only', modelId: SONNET_45 });
    expect(check('severe', HAIKU_45)).toMatchObject({
      decision: 'cache_only',
      modelId: HAIKU_45,
      retryAfterMs: 0,
    });
  });

  it('shutdown denies, retrying when the period resets', () => {
    expect(check('shutdown', OPUS_45, granted, 3_600_000.4)).toMatchObject({
      decision: 'deny',
      modelId: OPUS_45,
      retryAfterMs: 3_600_001,
    });
    expect(check('shutdown', OPUS_45).retryAfterMs).toBe(0);
    expect(check('shutdown', OPUS_45, undefined, -5).retryAfterMs).toBe(0);
  });

  it('every decision carries a reason', () => {
    for (const level of ['normal', 'light', 'moderate', 'severe', 'shutdown'] as const) {
      expect(check(level, HAIKU_45, granted).reason.length).toBeGreaterThan(0);
    }
    expect(check('light', HAIKU_45, granted).reason).toContain('light');
  });
});
