import { describe, expect, it } from 'vitest';
import type { Breach, BreachUpdate, Threshold } from '../../lambdas/alerting/ports/alerting-store.js';
import { type SweepDeps, sweepShard } from '../../lambdas/alerting/use-cases/sweep.js';
import { breachFixture, thresholdFixture } from '../support/alerting-fixtures.js';

const now = new Date('2026-11-23T10:00:00Z');

const threshold = (thresholdId: string): Threshold =>
  thresholdFixture({ thresholdId, userId: `u-${thresholdId}` });

const openBreach = (thresholdId: string): Breach =>
  breachFixture({ thresholdId, userId: `u-${thresholdId}` });

/**
 * One shard: thresholds a..e (listed out of order), every one with no spend, so each open breach
 * of theirs resolves; and a breach of `c2`, a threshold deleted since (between c and d).
 */
function shardDeps() {
  const evaluatedUsers: string[] = [];
  const resolved: string[] = [];
  const deps: SweepDeps = {
    thresholds: {
      shards: 1,
      listEnabled: async () =>
        ['d', 'a', 'e', 'c', 'b'].map((id) => ({ tenantId: 't', threshold: threshold(id) })),
    } as never,
    breaches: {
      shards: 1,
      listActive: async () => ['e', 'c2', 'a', 'd'].map(openBreach),
      createIfAbsent: async () => false,
      update: async (_t: string, breachId: string, update: BreachUpdate) => {
        if (update.status === 'resolved') resolved.push(breachId.split('.')[0] as string);
        return { ...openBreach(breachId.split('.')[0] as string), ...update };
      },
    } as never,
    spend: {
      costs: async (items) => {
        evaluatedUsers.push(...items.map((i) => i.userId));
        return items.map(() => 0);
      },
    },
    aggregates: { readDays: async () => ({ days: [] }) as never },
    alerting: { get: async () => undefined, put: async () => undefined },
    publisher: { publish: async () => undefined },
    notify: async () => undefined,
    redeliverAfterMs: 120_000,
    batchSize: 2,
  };
  return { deps, evaluatedUsers, resolved };
}

describe('sweepShard', () => {
  it('without a budget works through the whole shard: every threshold once, every breach after its threshold', async () => {
    const { deps, evaluatedUsers, resolved } = shardDeps();
    const { summary, next } = await sweepShard(deps, now, { shard: 0 });
    expect(next).toBeUndefined();
    expect(evaluatedUsers).toEqual(['u-a', 'u-b', 'u-c', 'u-d', 'u-e']);
    expect(summary).toMatchObject({ thresholds: 5, activeBreaches: 4, breachesResolved: 4, failures: 0 });
    expect(resolved).toEqual(['a', 'c2', 'd', 'e']);
  });

  it('short of time after a batch, stops at the last threshold taken; the continuation takes the rest and its breaches', async () => {
    const { deps, evaluatedUsers, resolved } = shardDeps();
    const budget = { remainingMs: () => 0, reserveMs: 1 };
    const first = await sweepShard(deps, now, { shard: 0 }, budget);
    expect(first.next).toEqual({ tenantId: 't', thresholdId: 'b' });
    expect(first.summary).toMatchObject({ thresholds: 2, activeBreaches: 1 });
    expect(evaluatedUsers).toEqual(['u-a', 'u-b']);
    expect(resolved).toEqual(['a']);

    const second = await sweepShard(deps, now, { shard: 0, after: first.next }, budget);
    expect(second.next).toEqual({ tenantId: 't', thresholdId: 'd' });
    // The deleted threshold's breach sits between c and d: handled with that stretch.
    expect(resolved).toEqual(['a', 'c2', 'd']);

    const third = await sweepShard(deps, now, { shard: 0, after: second.next }, budget);
    expect(third.next).toBeUndefined();
    expect(evaluatedUsers).toEqual(['u-a', 'u-b', 'u-c', 'u-d', 'u-e']);
    expect(resolved).toEqual(['a', 'c2', 'd', 'e']);
    expect(first.summary.thresholds + second.summary.thresholds + third.summary.thresholds).toBe(5);
  });

  it('with enough time left takes every batch in one run', async () => {
    const { deps } = shardDeps();
    const { summary, next } = await sweepShard(
      deps,
      now,
      { shard: 0 },
      { remainingMs: () => 60_000, reserveMs: 1 },
    );
    expect(next).toBeUndefined();
    expect(summary.thresholds).toBe(5);
  });
});
