import { describe, expect, it } from 'vitest';
import {
  cachedRetentionPolicy,
  RETENTION_CACHE_MS,
} from '../../lambdas/privacy/use-cases/retention-policy.js';

describe('the cached retention of a tenant', () => {
  it('reads the settings at most once a minute per tenant, so a change reaches new records within a minute', async () => {
    let usageDays = 400;
    const reads: string[] = [];
    let now = 1_000_000;
    const policy = cachedRetentionPolicy(
      async (tenantId) => {
        reads.push(tenantId);
        return { usageDays, historyDays: 730 };
      },
      { clock: () => now },
    );
    expect((await policy.retentionOf('t1')).usageDays).toBe(400);
    usageDays = 30;
    now += RETENTION_CACHE_MS - 1;
    expect((await policy.retentionOf('t1')).usageDays).toBe(400);
    expect((await policy.retentionOf('t2')).usageDays).toBe(30);
    now += 1;
    expect((await policy.retentionOf('t1')).usageDays).toBe(30);
    expect(reads).toEqual(['t1', 't2', 't1']);
    // The function that made the change forgets its entry and sees it at once.
    usageDays = 90;
    policy.forget('t2');
    expect((await policy.retentionOf('t2')).usageDays).toBe(90);
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const policy = cachedRetentionPolicy(async () => {
      if (fail) throw new Error('unavailable');
      return { usageDays: 60, historyDays: 730 };
    });
    await expect(policy.retentionOf('t')).rejects.toThrow('unavailable');
    fail = false;
    expect((await policy.retentionOf('t')).usageDays).toBe(60);
  });
});
