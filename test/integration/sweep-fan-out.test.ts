import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../lambdas/alerting/adapters/item-keys.js';
import type { Threshold } from '../../lambdas/alerting/ports/alerting-store.js';
import type { SpendItem } from '../../lambdas/alerting/use-cases/detect-breaches.js';
import { runSweepWorker } from '../../lambdas/alerting/use-cases/sweep-fan-out.js';
import { breachStore, sweepDeps, thresholdStore } from '../../lambdas/alerting/wiring.js';
import { spec as workerSpec } from '../../lambdas/functions/sweep-worker-environment.js';
import { documentClient } from '../../lambdas/platform/dynamo-client.js';
import {
  type DomainEvent,
  SWEEP_SHARD_REQUESTED,
  type SweepShardRequestedDetail,
} from '../../lambdas/platform/events/event-publisher.js';
import { loadEnvironment } from '../../lambdas/platform/function-spec.js';
import { aggregateStore } from '../../lambdas/usage/wiring.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { breachFixture, thresholdFixture } from '../support/alerting-fixtures.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

// The sweep worker's SweepFailures metric is read from its EMF output below.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.NOTIFY_BACKOFF_MS = '5';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime?.close();
});

const env = () => loadEnvironment(workerSpec);
const SHARDS = 8;

/** A threshold id that falls in `shard` of the sweep index. */
function idIn(shard: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    if (shardOf(id, SHARDS) === shard) return id;
  }
}

const threshold = (thresholdId: string, userId: string, limitUsd: number): Threshold =>
  thresholdFixture({ thresholdId, userId, limitNano: limitUsd * 1e9 });

/** 100k input tokens of Claude 3.5 Sonnet: $0.30. */
const usage = (requestId: string, userId: string) => ({
  requestId,
  userId,
  modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  inputTokens: 100_000,
  outputTokens: 0,
});

interface Email {
  subject: string;
  destination: { to: string[] };
}
const emailsTo = async (address: string) =>
  ((await (await fetch(`${runtime.alerting.sesUrl}/store`)).json()) as { emails: Email[] }).emails.filter(
    (e) => e.destination.to.includes(address),
  );

/** What a worker's run of one shard logged (the last run of that shard). */
async function lastRunOf(shard: number): Promise<{ thresholds: number; activeBreaches: number } | undefined> {
  const res = await documentClient().send(
    new GetCommand({
      TableName: env().COST_MONITORING_TABLE,
      Key: { pk: 'T#_system#SWEEP', sk: `LAST#S${shard}` },
    }),
  );
  return res.Item as { thresholds: number; activeBreaches: number } | undefined;
}

describe('the sweep fanned out per shard', () => {
  it('requests every shard; each worker evaluates its own shard, opens breaches there; notices go through the notifier', async () => {
    const store = thresholdStore(env());
    const users = [
      { userId: 'alpha', thresholdId: idIn(1, 'fan-alpha') },
      { userId: 'beta', thresholdId: idIn(5, 'fan-beta') },
    ];
    for (const { userId, thresholdId } of users) {
      await call(runtime.apiBase, 'PUT', `/alerting/${userId}`, {
        key: TENANT_A.key,
        body: { email: `${userId}@example.com` },
      });
      // Spend first, the threshold afterwards: only the sweep's safety net can see the crossing.
      const res = await call(runtime.apiBase, 'POST', '/track-usage', {
        key: TENANT_A.key,
        body: usage(`${userId}-1`, userId),
      });
      expect(res.status).toBe(201);
      await store.put(TENANT_A.tenant, threshold(thresholdId, userId, 0.1));
    }
    await runtime.alerting.bus.idle();
    expect(await emailsTo('alpha@example.com')).toEqual([]);

    const result = (await runtime.alerting.sweep()) as {
      shards: { shards: number; requested: number; failed: number };
      workerRuns: number;
      continuations: number;
      thresholds: number;
      breachesOpened: number;
      failures: number;
    };
    expect(result.shards).toMatchObject({ shards: SHARDS, requested: SHARDS, failed: 0 });
    expect(result.workerRuns).toBe(SHARDS);
    expect(result.continuations).toBe(0);
    expect(result.failures).toBe(0);
    // Warning, critical and emergency of each user's threshold ($0.30 of $0.10).
    expect(result.breachesOpened).toBe(6);
    let listed = 0;
    for (let shard = 0; shard < SHARDS; shard++) {
      const enabled = await store.listEnabled(shard);
      listed += enabled.length;
      expect((await lastRunOf(shard))?.thresholds, `shard ${shard}`).toBe(enabled.length);
    }
    expect(result.thresholds).toBe(listed);
    expect((await lastRunOf(1))?.thresholds).toBeGreaterThanOrEqual(1);
    expect((await lastRunOf(5))?.thresholds).toBeGreaterThanOrEqual(1);
    // One notice per user, at the highest level, sent by the notifier.
    for (const { userId } of users) {
      const mails = await emailsTo(`${userId}@example.com`);
      expect(mails.map((m) => m.subject.split(':')[0])).toEqual(['[Cost alert] Emergency']);
    }

    // A raised limit: the workers resolve the breaches and ask the notifier for the resolutions.
    const alpha = users[0] as (typeof users)[number];
    await store.put(TENANT_A.tenant, threshold(alpha.thresholdId, alpha.userId, 10));
    const later = (await runtime.alerting.sweep()) as { breachesResolved: number; activeBreaches: number };
    expect(later.breachesResolved).toBe(3);
    expect((await lastRunOf(1))?.activeBreaches).toBeGreaterThanOrEqual(3);
    const resolved = (await emailsTo('alpha@example.com')).filter((m) =>
      m.subject.startsWith('[Cost alert] Resolved'),
    );
    // The resolution of each breach (the two covered by the emergency's notice resolve too).
    expect(resolved.length).toBeGreaterThanOrEqual(1);
    expect((await emailsTo('beta@example.com')).some((m) => m.subject.includes('Resolved'))).toBe(false);
  });

  it('finds an active breach indexed the way of earlier versions: the coordinator moves it to its threshold shard', async () => {
    const breaches = breachStore(env());
    const thresholdId = idIn(2, 'fan-legacy');
    const breachId = `${thresholdId}.2026-11.warning`;
    const breach = breachFixture({
      tenantId: TENANT_B.tenant,
      thresholdId,
      userId: 'legacy',
      detectedAt: '2026-11-20T00:00:00.000Z',
    });
    expect(await breaches.createIfAbsent(breach)).toBe(true);
    // As an earlier version wrote it: in the partition of its own id's shard.
    const legacy = `BA#${shardOf(breachId, SHARDS)}`;
    await documentClient().send(
      new UpdateCommand({
        TableName: env().THRESHOLD_BREACHES_TABLE,
        Key: { pk: `T#${TENANT_B.tenant}`, sk: `B#${breachId}` },
        UpdateExpression: 'SET gsi2pk = :legacy',
        ExpressionAttributeValues: { ':legacy': legacy },
      }),
    );
    expect((await breaches.listActive(2)).map((b) => b.breachId)).not.toContain(breachId);

    const result = (await runtime.alerting.sweep()) as { shards: { reindexed: number } };
    expect(result.shards.reindexed).toBe(1);
    // Its threshold no longer exists: the worker of its threshold's shard resolved it.
    expect((await breaches.get(TENANT_B.tenant, breachId))?.status).toBe('resolved');
  });

  it('a worker short of time hands the rest of its shard on; the continuation completes it', async () => {
    const shard = 3;
    const store = thresholdStore(env());
    for (let i = 0; i < 5; i++) {
      await store.put(TENANT_B.tenant, threshold(idIn(shard, `fan-cont-${i}`), `cont-${i}`, 100));
    }
    const inShard = (await store.listEnabled(shard)).map((e) => `${e.tenantId}|${e.threshold.userId}`);
    expect(inShard.length).toBeGreaterThanOrEqual(5);

    const published: DomainEvent[] = [];
    const read: string[][] = [];
    const base = sweepDeps(env(), aggregateStore(env()));
    const deps = {
      ...base,
      batchSize: 2,
      publisher: { publish: async (events: readonly DomainEvent[]) => void published.push(...events) },
      spend: {
        costs: (items: readonly SpendItem[]) => {
          read[read.length - 1]?.push(...items.map((i) => `${i.tenantId}|${i.userId}`));
          return base.spend.costs(items);
        },
      },
    };
    const now = new Date();
    const request: SweepShardRequestedDetail = { shard, sweepAt: now.toISOString(), part: 0 };

    // No time left from the start: one batch (every run makes progress), then the rest is handed on.
    read.push([]);
    const first = await runSweepWorker(deps, request, now, { remainingMs: () => 0, reserveMs: 1000 });
    expect(first).toMatchObject({ shard, part: 0, continued: true });
    expect(first.summary.thresholds).toBe(2);
    expect(published.map((e) => e.detailType)).toEqual([SWEEP_SHARD_REQUESTED]);
    const next = published[0]?.detail as unknown as SweepShardRequestedDetail;
    expect(next).toMatchObject({ shard, part: 1, sweepAt: request.sweepAt });
    expect(next.after).toBeDefined();

    read.push([]);
    const second = await runSweepWorker(deps, next, now, { remainingMs: () => 600_000, reserveMs: 1000 });
    expect(second).toMatchObject({ shard, part: 1, continued: false });
    expect(second.summary.thresholds).toBe(inShard.length - 2);
    expect(published).toHaveLength(1);
    // Together the two runs read each threshold of the shard once.
    expect(read[0]).toHaveLength(2);
    expect([...(read[0] ?? []), ...(read[1] ?? [])].sort()).toEqual([...inShard].sort());
  });

  it('a threshold the worker cannot evaluate counts in SweepFailures; the rest of its shard is evaluated', async () => {
    const shard = 6;
    const store = thresholdStore(env());
    const bad = idIn(shard, 'fan-bad');
    // An item no version of the API writes: a period the core does not know.
    await store.put(TENANT_B.tenant, { ...threshold(bad, 'bad', 1), period: 'fortnightly' as never });
    await store.put(TENANT_B.tenant, threshold(idIn(shard, 'fan-good'), 'good', 1));
    const enabled = (await store.listEnabled(shard)).length;

    const worker = (await import(
      '../../lambdas/functions/sweep-worker-handler.js'
    )) as typeof import('../../lambdas/functions/sweep-worker-handler.js');
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    let run: Awaited<ReturnType<typeof worker.handler>>;
    try {
      run = await worker.handler({ detail: { shard, sweepAt: new Date().toISOString(), part: 0 } });
    } finally {
      process.stdout.write = write;
    }
    expect(run.summary).toMatchObject({ thresholds: enabled, failures: 1 });
    const emitted = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"SweepFailures"'))
      .map((l) => JSON.parse(l) as { SweepFailures: number; SweepThresholds: number });
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ SweepFailures: 1, SweepThresholds: enabled });
    await store.delete(TENANT_B.tenant, bad);
  });
});
