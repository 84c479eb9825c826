/**
 * The sharded sweep for `npm run bench` (scripts/bench.ts), or alone (`npm run bench:sweep`):
 * seeds enabled thresholds with BatchWriteItem up to `BENCH_SWEEP_THRESHOLDS` (default 100,000),
 * then measures (1) each shard's worker run alone, shard after shard, in this process, and (2)
 * the whole fan-out of the local runtime: the coordinator, then the eight workers through the
 * in-process bus at once. Prints the extrapolation of the slowest shard to 100,000 thresholds as a
 * ratio against the 15-minute interval.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Threshold } from '../lambdas/alerting/ports/alerting-store.js';
import { sweepShard } from '../lambdas/alerting/use-cases/sweep.js';
import { sweepDeps, thresholdStore } from '../lambdas/alerting/wiring.js';
import { spec as workerSpec } from '../lambdas/functions/sweep-worker-environment.js';
import { documentClient } from '../lambdas/platform/dynamo-client.js';
import { loadEnvironment } from '../lambdas/platform/function-spec.js';
import { aggregateStore } from '../lambdas/usage/wiring.js';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime.js';

/** Thresholds the sweep is sized for: 100,000 enabled within one 15-minute interval. */
export const SWEEP_TARGET = 100_000;
const INTERVAL_MS = 15 * 60_000;

export interface ShardedSweepFigures {
  thresholds: number;
  seedMs: number;
  /** Each shard's worker run alone: its thresholds and time. */
  shards: { shard: number; thresholds: number; ms: number; requests: number }[];
  /** The shards one after another in this process (the sum of `shards`). */
  sequentialMs: number;
  /** The coordinator and eight workers at once through the local bus. */
  fanOutMs: number;
  fanOutRuns: number;
  fanOutContinuations: number;
  failures: number;
  /** DynamoDB requests of the shard runs, per threshold. */
  requestsPerThreshold: number;
  /** The slowest shard's run scaled to 100,000 thresholds (linear), and that against 15 minutes. */
  slowestShardAtTargetMs: number;
  intervalRatio: number;
}

/** The `n`th threshold of a bench: one in ten forecast, one in ten percentage, the rest absolute, never reached. */
export function benchThreshold(n: number, now: string, prefix = 'sweep'): Threshold {
  const type = n % 10 === 0 ? 'forecast' : n % 10 === 1 ? 'percentage' : 'absolute';
  return {
    thresholdId: `${prefix}-${n}`,
    userId: `${prefix}-user-${n}`,
    name: 'bench',
    type,
    period: 'monthly',
    limitNano: 1_000_000_000_000,
    warningPercent: 80,
    emergencyPercent: 150,
    changePercent: 50,
    timezone: 'UTC',
    channels: ['email'],
    enabled: true,
    createdAt: now,
    updatedAt: now,
  };
}

/** Puts thresholds `from..to-1` of tenant `tenant` with BatchWriteItem, 25 a request, 8 requests at once. */
async function seed(tenant: string, from: number, to: number): Promise<void> {
  const env = loadEnvironment(workerSpec);
  const store = thresholdStore(env);
  const client = documentClient();
  const now = new Date().toISOString();
  const batches: number[][] = [];
  for (let i = from; i < to; i += 25) {
    batches.push(Array.from({ length: Math.min(25, to - i) }, (_, k) => i + k));
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as number[];
        let items: Record<string, unknown>[] = batch.map((n) => ({
          PutRequest: { Item: store.itemOf(tenant, benchThreshold(n, now)) },
        }));
        while (items.length > 0) {
          const res = await client.send(
            new BatchWriteCommand({ RequestItems: { [env.COST_THRESHOLDS_TABLE]: items as never } }),
          );
          items = (res.UnprocessedItems?.[env.COST_THRESHOLDS_TABLE] ?? []) as Record<string, unknown>[];
        }
      }
    }),
  );
}

/**
 * Runs on a started runtime: `target` enabled thresholds in all (thresholds of other tenants in
 * the same tables count), the rest seeded for tenant `tenant`.
 */
export async function benchShardedSweep(
  runtime: LocalRuntime,
  tenant: string,
  target = Number(process.env.BENCH_SWEEP_THRESHOLDS ?? SWEEP_TARGET),
): Promise<ShardedSweepFigures> {
  const env = loadEnvironment(workerSpec);
  const deps = sweepDeps(env, aggregateStore(env));
  const shardCount = deps.thresholds.shards;
  let existing = 0;
  for (let shard = 0; shard < shardCount; shard++)
    existing += (await deps.thresholds.listEnabled(shard)).length;
  let seedMs = 0;
  if (existing < target) {
    const started = performance.now();
    await seed(tenant, 0, target - existing);
    seedMs = performance.now() - started;
  }

  let requests = 0;
  documentClient().middlewareStack.add(
    (next) => async (args) => {
      requests++;
      return next(args);
    },
    { step: 'initialize', name: 'benchSweepRequests' },
  );
  try {
    // 1. Each shard's worker alone (as one Lambda invocation would run it), shard after shard.
    const shards: ShardedSweepFigures['shards'] = [];
    let failures = 0;
    for (let shard = 0; shard < shardCount; shard++) {
      requests = 0;
      const started = performance.now();
      const { summary } = await sweepShard(deps, new Date(), { shard });
      shards.push({ shard, thresholds: summary.thresholds, ms: performance.now() - started, requests });
      failures += summary.failures;
    }
    const thresholds = shards.reduce((a, s) => a + s.thresholds, 0);
    const sequentialMs = shards.reduce((a, s) => a + s.ms, 0);

    // 2. The whole fan-out: the coordinator, the eight workers at once, their notices.
    const started = performance.now();
    const fanOut = (await runtime.alerting.sweep()) as {
      workerRuns: number;
      continuations: number;
      failures: number;
      thresholds: number;
    };
    const fanOutMs = performance.now() - started;
    failures += fanOut.failures;

    const slowest = shards.reduce((a, s) => (s.ms > a.ms ? s : a));
    const slowestShardAtTargetMs = slowest.ms * (SWEEP_TARGET / thresholds);
    return {
      thresholds,
      seedMs,
      shards,
      sequentialMs,
      fanOutMs,
      fanOutRuns: fanOut.workerRuns,
      fanOutContinuations: fanOut.continuations,
      failures,
      requestsPerThreshold: shards.reduce((a, s) => a + s.requests, 0) / thresholds,
      slowestShardAtTargetMs,
      intervalRatio: slowestShardAtTargetMs / INTERVAL_MS,
    };
  } finally {
    documentClient().middlewareStack.remove('benchSweepRequests');
  }
}

/** The bench rows of the figures (the same shape as scripts/bench.ts prints). */
export function shardedSweepRows(f: ShardedSweepFigures) {
  const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
  const slowest = f.shards.reduce((a, s) => (s.ms > a.ms ? s : a));
  const scaled =
    f.thresholds === SWEEP_TARGET ? '' : `, × ${round(SWEEP_TARGET / f.thresholds, 2)} to 100,000`;
  return [
    {
      name: `Sharded sweep, slowest shard's worker run alone (shard ${slowest.shard}: ${slowest.thresholds} thresholds, ${round(slowest.ms / slowest.thresholds, 3)} ms each${scaled}) vs the 15-minute interval: one Lambda worker per shard`,
      measured: `${round(f.slowestShardAtTargetMs / 1000, 1)} s`,
      floor: '900 s',
      ratio: round(f.intervalRatio, 3),
      target: '< 0.267 (within one 240 s run, no continuation)',
    },
    {
      name: `Sharded sweep, ${f.thresholds} enabled thresholds: the whole fan-out in the local runtime (coordinator + ${f.fanOutRuns} worker runs at once through the in-process bus, ${f.fanOutContinuations} continuations, one DynamoDB Local, 2 cores) vs the 15-minute interval`,
      measured: `${round(f.fanOutMs / 1000, 1)} s`,
      floor: '900 s',
      ratio: round(f.fanOutMs / INTERVAL_MS, 3),
      target: '< 1',
    },
    {
      name: `Sharded sweep, ${f.thresholds} enabled thresholds: the whole fan-out in the local runtime vs the ${f.shards.length} shards one after another in one process (the same machine and DynamoDB Local for all eight workers; in AWS each is a Lambda of its own)`,
      measured: `${round(f.fanOutMs, 0)} ms`,
      floor: `${round(f.sequentialMs, 0)} ms`,
      ratio: round(f.fanOutMs / f.sequentialMs, 2),
      target: '',
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runtime = await startLocalRuntime({
    port: 0,
    apiKeys: 'bench-sweep:bench-sweep-key-0001',
    dataDir: null,
    tablePrefix: 'benchsweep',
    alerting: { sesPort: 0, sweepIntervalSeconds: 0 },
  });
  try {
    const figures = await benchShardedSweep(runtime, 'bench-sweep');
    const { shards, ...rest } = figures;
    console.log(JSON.stringify({ ...rest, shards }, null, 2));
    const rows = shardedSweepRows(figures);
    console.log(
      [
        '| figure | measured | floor (same run) | ratio | target |',
        '|---|---|---|---|---|',
        ...rows.map((f) => `| ${f.name} | ${f.measured} | ${f.floor} | **${f.ratio}** | ${f.target} |`),
      ].join('\n'),
    );
  } finally {
    await runtime.close();
  }
  process.exit(0);
}
