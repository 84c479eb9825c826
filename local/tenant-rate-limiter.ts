import { performance } from 'node:perf_hooks';
import { limitOf, type RateLimit, type TenantLimits } from '../lambdas/platform/tenant-limits.js';

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A token bucket: holds up to `burstLimit` tokens, gains `rateLimit` tokens a second, and each
 * request takes one. Refilled by the time elapsed since it was last used, so it needs no timer.
 * `now` returns milliseconds on a clock that never goes back.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number,
  ) {
    this.tokens = limit.burstLimit;
    this.last = now();
  }

  /** Takes a token if there is one; otherwise says in whole seconds (at least 1) when there will be. */
  take(): RateVerdict {
    const now = this.now();
    const elapsedSeconds = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.limit.burstLimit, this.tokens + elapsedSeconds * this.limit.rateLimit);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.limit.rateLimit)),
    };
  }
}

/** One token bucket per tenant, each with the tenant's limit (its override, or the default). */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly limits: TenantLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(tenantId: string): RateVerdict {
    let bucket = this.buckets.get(tenantId);
    if (!bucket) {
      bucket = new TokenBucket(limitOf(this.limits, tenantId), this.now);
      this.buckets.set(tenantId, bucket);
    }
    return bucket.take();
  }
}
