import { describe, expect, it } from 'vitest';
import {
  checkWithinStage,
  DEFAULT_STAGE_LIMIT,
  DEFAULT_TENANT_LIMIT,
  limitOf,
  parseTenantLimits,
  tenantsWithUsageKeys,
  unlistedTenantsUsageKey,
  usageIdentifierKey,
} from '../../lambdas/platform/tenant-limits.js';
import { TenantRateLimiter, TokenBucket } from '../../local/tenant-rate-limiter.js';

/** A clock the test moves by hand, in milliseconds. */
function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const takeN = (take: () => { allowed: boolean }, n: number) =>
  Array.from({ length: n }, () => take().allowed).filter(Boolean).length;

describe('token bucket', () => {
  it('lets a full burst through at once, then refuses with the seconds until the next token', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rateLimit: 5, burstLimit: 10 }, clock.now);
    expect(takeN(() => bucket.take(), 10)).toBe(10);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills by the time elapsed, at the rate, up to the burst', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rateLimit: 5, burstLimit: 10 }, clock.now);
    takeN(() => bucket.take(), 10);
    clock.advance(400); // 2 tokens
    expect(takeN(() => bucket.take(), 5)).toBe(2);
    clock.advance(60_000); // far more than the burst: capped at 10
    expect(takeN(() => bucket.take(), 20)).toBe(10);
  });

  it('asks a slow bucket to wait whole seconds, rounded up', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rateLimit: 0.25, burstLimit: 1 }, clock.now);
    expect(bucket.take().allowed).toBe(true);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterSeconds: 4 });
    clock.advance(1_500);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterSeconds: 3 });
    clock.advance(2_500);
    expect(bucket.take().allowed).toBe(true);
  });

  it('ignores a clock that goes back', () => {
    const clock = manualClock(10_000);
    const bucket = new TokenBucket({ rateLimit: 1, burstLimit: 1 }, clock.now);
    bucket.take();
    clock.advance(-5_000);
    expect(bucket.take().allowed).toBe(false);
  });
});

describe('tenant rate limiter', () => {
  it('keeps a bucket per tenant: one tenant using up its burst leaves the other untouched', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter(
      { default: { rateLimit: 1, burstLimit: 3 }, overrides: {}, tenants: [] },
      clock.now,
    );
    expect(takeN(() => limiter.take('tenant-a'), 50)).toBe(3);
    expect(takeN(() => limiter.take('tenant-b'), 3)).toBe(3);
    expect(limiter.take('tenant-a').allowed).toBe(false);
  });

  it('gives a tenant with an override its own limit and every other tenant the default', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter(
      {
        default: { rateLimit: 1, burstLimit: 2 },
        overrides: { big: { rateLimit: 10, burstLimit: 20 } },
        tenants: [],
      },
      clock.now,
    );
    expect(takeN(() => limiter.take('big'), 100)).toBe(20);
    expect(takeN(() => limiter.take('small'), 100)).toBe(2);
  });
});

describe('tenant limits setting', () => {
  it('takes the defaults for what it leaves out', () => {
    expect(parseTenantLimits('{}', 'TENANT_LIMITS')).toEqual({
      default: DEFAULT_TENANT_LIMIT,
      overrides: {},
      tenants: [],
    });
    expect(DEFAULT_TENANT_LIMIT).toEqual({ rateLimit: 20, burstLimit: 40 });
  });

  it('reads a default, overrides and the tenants list, from JSON text or an object', () => {
    const value = {
      default: { rateLimit: 5, burstLimit: 10 },
      overrides: { acme: { rateLimit: 50.5, burstLimit: 100 } },
      tenants: ['beta', 'acme', 'beta'],
    };
    const limits = parseTenantLimits(JSON.stringify(value), 'x');
    expect(limits).toEqual({ ...value, tenants: ['beta', 'acme'] });
    expect(parseTenantLimits(value, 'x')).toEqual(limits);
    expect(limitOf(limits, 'acme')).toEqual({ rateLimit: 50.5, burstLimit: 100 });
    expect(limitOf(limits, 'other')).toEqual({ rateLimit: 5, burstLimit: 10 });
    expect(limitOf(limits, 'constructor')).toEqual({ rateLimit: 5, burstLimit: 10 });
    expect(tenantsWithUsageKeys(limits)).toEqual(['acme', 'beta']);
  });

  it.each([
    ['not json', 'TENANT_LIMITS is not valid JSON.'],
    ['[]', 'TENANT_LIMITS must be a JSON object'],
    ['{"defaults":{}}', "TENANT_LIMITS has unknown field 'defaults'"],
    [
      '{"default":{"rateLimit":0,"burstLimit":1}}',
      'TENANT_LIMITS.default.rateLimit is 0, expected requests per second above 0',
    ],
    ['{"default":{"rateLimit":5}}', 'TENANT_LIMITS.default.burstLimit is undefined, expected a whole number'],
    ['{"default":{"rateLimit":5,"burstLimit":2.5}}', 'TENANT_LIMITS.default.burstLimit is 2.5'],
    [
      '{"default":{"rateLimit":5,"burstLimit":10,"quota":1}}',
      "TENANT_LIMITS.default has unknown field 'quota'",
    ],
    ['{"default":{"rateLimit":20000,"burstLimit":10}}', 'at most 10000'],
    [
      '{"overrides":{"bad_id":{"rateLimit":1,"burstLimit":1}}}',
      'TENANT_LIMITS.overrides names tenant "bad_id"',
    ],
    [
      '{"overrides":{"acme":{"rateLimit":"5","burstLimit":1}}}',
      'TENANT_LIMITS.overrides.acme.rateLimit is "5"',
    ],
    ['{"tenants":"acme"}', 'TENANT_LIMITS.tenants must be a list of tenant ids.'],
    ['{"tenants":["ok","_service"]}', 'TENANT_LIMITS.tenants[1] names tenant "_service"'],
  ])('refuses %s, naming the problem', (text, message) => {
    expect(() => parseTenantLimits(text, 'TENANT_LIMITS')).toThrow(message);
  });

  it('refuses more tenants than the authorizer can be told about', () => {
    const tenants = Array.from({ length: 100 }, (_, i) => `tenant-with-a-rather-long-name-${i}`);
    expect(() => parseTenantLimits({ tenants }, 'tenantLimits')).toThrow(/names too many tenants/);
  });

  it('refuses more named tenants than usage plans can be made for', () => {
    const tenants = Array.from({ length: 201 }, (_, i) => `t${i}`);
    expect(() => parseTenantLimits({ tenants }, 'tenantLimits')).toThrow(
      'tenantLimits names 201 tenants (tenants and overrides); at most 200, each is a usage plan.',
    );
    expect(parseTenantLimits({ tenants: tenants.slice(1) }, 'tenantLimits').tenants).toHaveLength(200);
  });

  it('refuses a tenant limit above the stage limit', () => {
    const limits = parseTenantLimits(
      { overrides: { acme: { rateLimit: 600, burstLimit: 100 } } },
      'tenantLimits',
    );
    expect(() => checkWithinStage(limits, DEFAULT_STAGE_LIMIT, 'tenantLimits')).toThrow(
      "tenantLimits.overrides.acme (600/s, burst 100) is above the stage's limit (500/s, burst 1000)",
    );
    expect(() =>
      checkWithinStage(limits, { rateLimit: 600, burstLimit: 1000 }, 'tenantLimits'),
    ).not.toThrow();
  });
});

describe('usage keys', () => {
  it('are derived from stage and tenant, 20 to 128 characters, distinct per stage and tenant', () => {
    const a = usageIdentifierKey('dev', 'a');
    expect(a).toBe(usageIdentifierKey('dev', 'a'));
    expect(a).toMatch(/^tenant-usage-dev-a-[0-9a-f]{8}$/);
    expect(a.length).toBeGreaterThanOrEqual(20);
    const longest = usageIdentifierKey('a'.repeat(20), 'b'.repeat(63));
    expect(longest.length).toBeLessThanOrEqual(128);
    const keys = new Set([
      a,
      usageIdentifierKey('prod', 'a'),
      usageIdentifierKey('dev', 'b'),
      usageIdentifierKey('dev-a', 'b'),
      usageIdentifierKey('dev', 'a-b'),
      unlistedTenantsUsageKey('dev'),
    ]);
    expect(keys.size).toBe(6);
    expect(unlistedTenantsUsageKey('dev').length).toBeGreaterThanOrEqual(20);
  });
});
