/**
 * `npm run bench`: measures the service on this machine in one run and prints every figure as
 * a ratio against a floor measured in the same run (absolute times vary run to run).
 * Writes bench-results/latest.json; with BENCH_WRITE_DOCS=1 also docs/BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { costOfTokens, priceUsage } from '@cost-management/core';
import { documentClient } from '../lambdas/platform/dynamo-client.js';
import { TABLES } from '../lambdas/platform/tables.js';
import { buildTransactItems } from '../lambdas/usage/adapters/dynamo-usage-store.js';
import { prepareEvent } from '../lambdas/usage/use-cases/track-usage.js';
import { toProxyEvent } from '../local/proxy-event.js';
import { startLocalRuntime } from '../local/runtime.js';
import { benchAlerting } from './bench-alerting.js';
import { benchShardedSweep, shardedSweepRows } from './bench-sweep.js';
import { benchTenantIndex } from './bench-tenant-index.js';
import { measureWriteCost, WRITES_BEFORE } from './bench-writes.js';

const KEY = 'bench-key-0001';
const TENANT = 'bench';
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 800);

interface Figure {
  name: string;
  measured: string;
  floor: string;
  ratio: number;
  target?: string;
}
const figures: Figure[] = [];
const extra: Record<string, unknown> = {};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] as number;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
  return performance.now() - start;
}

function event(prefix: string, i: number, userCount: number, day = 1 + (i % 28)) {
  return {
    requestId: `${prefix}-${i}`,
    userId: `${prefix}-user-${i % userCount}`,
    modelId: MODEL,
    inputTokens: 1000 + (i % 977),
    outputTokens: 200 + (i % 313),
    operation: 'bench',
    timestamp: `2026-10-${String(day).padStart(2, '0')}T12:00:00Z`,
  };
}

async function post(api: string, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

async function get(api: string, path: string): Promise<number> {
  const res = await fetch(`${api}${path}`, { headers: { 'x-api-key': KEY } });
  await res.arrayBuffer();
  return res.status;
}

async function main() {
  const runtime = await startLocalRuntime({
    port: 0,
    apiKeys: `${TENANT}:${KEY}`,
    dataDir: null,
    tablePrefix: 'bench',
  });
  const api = runtime.apiBase;
  const client = documentClient();
  let requests = 0;
  const byCommand = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requests++;
      const name = String(context.commandName ?? 'unknown').replace('Command', '');
      byCommand.set(name, (byCommand.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const tables = {
    usageTable: process.env[TABLES.tokenUsage.envVar] as string,
    analyticsTable: process.env[TABLES.tokenAnalytics.envVar] as string,
  };
  const users = CONCURRENCY * 4;

  // Warm-up: JIT, connections, DynamoDB Local's first queries.
  await pool(
    Array.from({ length: 100 }, (_, i) => event('warm', i, users)),
    CONCURRENCY,
    async (e) => void (await post(api, '/track-usage', e)),
  );

  // 1. Ingest over HTTP against a bare TransactWriteItems of the same items.
  const now = new Date();
  const bareItems = Array.from({ length: EVENTS }, (_, i) =>
    buildTransactItems(tables, TENANT, [prepareEvent(event('bare', i, users), now).prepared]),
  );
  // Alternate rounds of both, so neither side gets a warmer or emptier DynamoDB Local.
  const ROUNDS = 4;
  const per = EVENTS / ROUNDS;
  const httpEvents = Array.from({ length: EVENTS }, (_, i) => event('http', i, users));
  let bareMs = 0;
  let httpMs = 0;
  requests = 0;
  byCommand.clear();
  let bareRequests = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const before = requests;
    bareMs += await pool(bareItems.slice(r * per, (r + 1) * per), CONCURRENCY, async (items) => {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
    });
    bareRequests += requests - before;
    httpMs += await pool(httpEvents.slice(r * per, (r + 1) * per), CONCURRENCY, async (e) => {
      if ((await post(api, '/track-usage', e)) !== 201) throw new Error('ingest failed');
    });
  }
  requests -= bareRequests;
  byCommand.set('TransactWriteItems', (byCommand.get('TransactWriteItems') ?? 0) - bareRequests);
  const perEvent = requests / EVENTS;
  extra.dynamodbRequestsPerEvent = perEvent;
  extra.dynamodbRequestsPerEventByCommand = Object.fromEntries(
    [...byCommand].map(([k, v]) => [k, round(v / EVENTS, 3)]),
  );
  figures.push({
    name: `Ingest throughput, HTTP POST /track-usage vs bare TransactWriteItems (${EVENTS} events, concurrency ${CONCURRENCY})`,
    measured: `${round((EVENTS / httpMs) * 1000, 0)} events/s`,
    floor: `${round((EVENTS / bareMs) * 1000, 0)} tx/s`,
    ratio: round(bareMs / httpMs),
    target: '>= 0.7',
  });

  // 2. Batch: 25 events in one call against 25 single calls.
  const rounds = 12;
  let singleMs = 0;
  let batchMs = 0;
  for (let r = 0; r < rounds; r++) {
    const singles = Array.from({ length: 25 }, (_, i) => event(`single${r}`, i, 5));
    const batch = Array.from({ length: 25 }, (_, i) => event(`batch${r}`, i, 5));
    let t = performance.now();
    for (const e of singles) await post(api, '/track-usage', e);
    singleMs += performance.now() - t;
    t = performance.now();
    if ((await post(api, '/track-usage/batch', { events: batch })) !== 200) throw new Error('batch failed');
    batchMs += performance.now() - t;
  }
  figures.push({
    name: 'Batch ingest, one POST /track-usage/batch of 25 events vs 25 sequential single calls',
    measured: `${round(batchMs / rounds, 1)} ms per 25`,
    floor: `${round(singleMs / rounds, 1)} ms per 25`,
    ratio: round(singleMs / batchMs, 2),
    target: 'speed-up (higher is better)',
  });

  // 3. Analytics latency: a user with 100x the raw events of another (same 28 days).
  const small = Array.from({ length: 28 }, (_, i) => ({ ...event('small', i, 1), userId: 'small-user' }));
  const large = Array.from({ length: 2800 }, (_, i) => ({ ...event('large', i, 1), userId: 'large-user' }));
  for (const list of [small, large]) {
    for (let i = 0; i < list.length; i += 25)
      await post(api, '/track-usage/batch', { events: list.slice(i, i + 25) });
  }
  const timeAnalytics = async (user: string, to: string) => {
    const samples: number[] = [];
    for (let i = 0; i < 30; i++) {
      // A range never asked before: every read misses the cache and reads the aggregates.
      const from = `2026-09-${String(1 + (i % 28)).padStart(2, '0')}`;
      const t = performance.now();
      if ((await get(api, `/analytics/${user}?from=${from}&to=${to}`)) !== 200) throw new Error('analytics');
      samples.push(performance.now() - t);
    }
    return median(samples);
  };
  await timeAnalytics('small-user', '2026-10-27');
  await timeAnalytics('large-user', '2026-10-27');
  const smallMs = await timeAnalytics('small-user', '2026-10-28');
  const largeMs = await timeAnalytics('large-user', '2026-10-28');
  figures.push({
    name: 'Analytics latency, user with 2,800 events vs user with 28 events (same 28 days, cache missed)',
    measured: `${round(largeMs, 2)} ms median`,
    floor: `${round(smallMs, 2)} ms median`,
    ratio: round(largeMs / smallMs, 2),
    target: '<= 1.2',
  });

  // 4. /check latency against GET /health on the same server.
  const health: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await get(api, '/health');
    health.push(performance.now() - t);
  }
  const checkBody = (userId: string) => ({
    userId,
    modelId: MODEL,
    estimatedInputTokens: 1000,
    estimatedOutputTokens: 200,
  });
  const timeCheck = async (userId: string) => {
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      if ((await post(api, '/check', checkBody(userId))) !== 200) throw new Error('check failed');
      samples.push(performance.now() - t);
    }
    return samples;
  };
  await post(api, '/auto-control/init', { userId: 'check-user', budgetUsd: 1000, period: 'monthly' });
  await post(api, '/auto-control/init', {
    userId: 'hard-user',
    budgetUsd: 1000,
    period: 'monthly',
    hardLimit: true,
  });
  const check = await timeCheck('check-user');
  const hard = await timeCheck('hard-user');
  for (const [label, samples] of [
    ['POST /check (level normal)', check],
    ['POST /check (hard budget: atomic reservation)', hard],
  ] as const) {
    figures.push({
      name: `${label} p50 over HTTP vs GET /health p50`,
      measured: `${round(median(samples), 2)} ms`,
      floor: `${round(median(health), 2)} ms`,
      ratio: round(median(samples) / median(health), 2),
    });
    figures.push({
      name: `${label} p99 over HTTP vs GET /health p99`,
      measured: `${round(pct(samples, 99), 2)} ms`,
      floor: `${round(pct(health, 99), 2)} ms`,
      ratio: round(pct(samples, 99) / pct(health, 99), 2),
    });
  }

  // The same handlers called in process (no HTTP): the cost of the check itself.
  type Handler = (event: ReturnType<typeof toProxyEvent>) => Promise<{ statusCode: number }>;
  const load = async (fn: string) =>
    ((await import(`../lambdas/functions/${fn}-handler.ts`)) as { handler: Handler }).handler;
  const inProcess = async (fn: string, method: string, path: string, body: unknown) => {
    const handler = await load(fn);
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const event = toProxyEvent({
        method,
        path,
        resource: path,
        pathParameters: null,
        query: new URLSearchParams(),
        headers: {},
        body: body === undefined ? null : JSON.stringify(body),
        tenantId: TENANT,
        sourceIp: '127.0.0.1',
        now: new Date(),
      });
      const t = performance.now();
      if ((await handler(event)).statusCode !== 200) throw new Error(`${fn} failed in process`);
      samples.push(performance.now() - t);
    }
    return samples;
  };
  const healthIn = await inProcess('platform-api', 'GET', '/api/cost-management/health', undefined);
  const checkIn = await inProcess(
    'control-api',
    'POST',
    '/api/cost-management/check',
    checkBody('check-user'),
  );
  for (const [label, p] of [
    ['p50', 50],
    ['p99', 99],
  ] as const) {
    figures.push({
      name: `POST /check (level normal) ${label} in process vs GET /health ${label} in process`,
      measured: `${round(pct(checkIn, p) * 1000, 1)} µs`,
      floor: `${round(pct(healthIn, p) * 1000, 1)} µs`,
      ratio: round(pct(checkIn, p) / pct(healthIn, p), 1),
    });
  }

  // Alerting: crossing request to email in the inbox, and the sweep at 1,000 and 10,000 thresholds.
  const alerting = await benchAlerting(runtime, TENANT, KEY);
  figures.push({
    name: `Crossing request → email in the SES emulator inbox, median of ${alerting.emailLatenciesMs.length}, vs GET /health p50`,
    measured: `${round(median(alerting.emailLatenciesMs), 1)} ms`,
    floor: `${round(median(health), 2)} ms`,
    ratio: round(median(alerting.emailLatenciesMs) / median(health), 1),
  });
  const [sweepSmall, sweepLarge] = alerting.sweeps as [
    (typeof alerting.sweeps)[0],
    (typeof alerting.sweeps)[0],
  ];
  extra.sweeps = alerting.sweeps;
  figures.push({
    name: `Sweep time, ${sweepLarge.thresholds} vs ${sweepSmall.thresholds} enabled thresholds`,
    measured: `${round(sweepLarge.ms, 0)} ms`,
    floor: `${round(sweepSmall.ms, 0)} ms`,
    ratio: round(sweepLarge.ms / sweepSmall.ms, 2),
    target: `<= ${round(sweepLarge.thresholds / sweepSmall.thresholds, 1)} (linear)`,
  });
  figures.push({
    name: `Sweep DynamoDB requests, ${sweepLarge.thresholds} vs ${sweepSmall.thresholds} enabled thresholds`,
    measured: `${sweepLarge.requests} requests`,
    floor: `${sweepSmall.requests} requests`,
    ratio: round(sweepLarge.requests / sweepSmall.requests, 2),
    target: `<= ${round(sweepLarge.thresholds / sweepSmall.thresholds, 1)} (linear)`,
  });

  // 4a. The sharded sweep at 100,000 enabled thresholds (BENCH_SWEEP_THRESHOLDS; the ones above count).
  const sharded = await benchShardedSweep(runtime, 'bench-sweep');
  extra.shardedSweep = sharded;
  figures.push(...shardedSweepRows(sharded));

  // 4b. Write units per tracked event, against the figure recorded on the layout before (WRITES_BEFORE).
  const writes = await measureWriteCost(client, (path, body) => post(api, path, body), 200);
  extra.writesPerEvent = {
    now: { writeUnits: round(writes.writeUnitsPerEvent, 2), items: round(writes.itemsPerEvent, 2) },
    before: WRITES_BEFORE,
  };
  figures.push({
    name: `Write units per tracked event (${writes.events} mixed events: 2 models, 2 of 3 with an operation, half in batches of 10; ReturnConsumedCapacity on DynamoDB Local), now vs before (recorded)`,
    measured: `${round(writes.writeUnitsPerEvent, 2)} WCU, ${round(writes.itemsPerEvent, 2)} items`,
    floor: `${WRITES_BEFORE.writeUnitsPerEvent} WCU, ${WRITES_BEFORE.itemsPerEvent} items`,
    ratio: round(writes.writeUnitsPerEvent / WRITES_BEFORE.writeUnitsPerEvent, 2),
    target: '<= 0.5',
  });

  // 4c. The tenant-day index (docs/TENANT-READS.md): the same transactions into the aggregates
  // table with it and without it, alternating in this run, and the write units per event of each.
  const index = await benchTenantIndex(runtime.dynamodbEndpoint);
  extra.tenantIndex = index;
  figures.push({
    name: `Ingest into DynamoDB Local with the tenant-day index (keys only) vs without (${index.events} single-event transactions each, ${index.users} users on ${index.days} days, concurrency ${index.concurrency}, alternating rounds)`,
    measured: `${round(index.eventsPerSecond.keys, 0)} events/s`,
    floor: `${round(index.eventsPerSecond.none, 0)} events/s`,
    ratio: round(index.eventsPerSecond.keys / index.eventsPerSecond.none),
    target: '>= 0.9',
  });
  figures.push({
    name: `Write units per event with the tenant-day index (keys only) vs without (${index.sampleEventsPerUserDay} events per user and day; an index copying the totals: ${round(index.writeUnitsPerEvent.include, 2)} WCU)`,
    measured: `${round(index.writeUnitsPerEvent.keys, 2)} WCU`,
    floor: `${round(index.writeUnitsPerEvent.none, 2)} WCU`,
    ratio: round(index.writeUnitsPerEvent.keys / index.writeUnitsPerEvent.none),
    // One index write per user and day, none per further event.
    target: `<= ${round(1 + 1 / (index.sampleEventsPerUserDay * index.writeUnitsPerEvent.none), 3)}`,
  });

  // 5. Core pricing throughput against the bare arithmetic of the four parts.
  const N = 200_000;
  let sink = 0;
  let t = performance.now();
  for (let i = 0; i < N; i++) {
    sink += priceUsage({
      modelId: `us.${MODEL}`,
      at: '2026-11-23T10:00:00Z',
      usage: { inputTokens: 1000 + (i % 100), outputTokens: 500 },
    }).costNano;
  }
  const priceMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < N; i++) {
    sink +=
      costOfTokens(1000 + (i % 100), 3_000_000_000) +
      costOfTokens(500, 15_000_000_000) +
      costOfTokens(0, 300_000_000) +
      costOfTokens(0, 3_750_000_000);
  }
  const arithMs = performance.now() - t;
  extra.sink = sink > 0;
  figures.push({
    name: 'Core pricing, priceUsage (id resolution, price version, four parts) vs the four costOfTokens alone',
    measured: `${round((N / priceMs) * 1000, 0)} calls/s`,
    floor: `${round((N / arithMs) * 1000, 0)} calls/s`,
    ratio: round(arithMs / priceMs, 2),
  });

  await runtime.close();

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, DynamoDB Local (in memory)`;
  const result = { date: new Date().toISOString(), machine, figures, extra };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/latest.json', `${JSON.stringify(result, null, 2)}\n`);
  const table = [
    '| figure | measured | floor (same run) | ratio | target |',
    '|---|---|---|---|---|',
    ...figures.map((f) => `| ${f.name} | ${f.measured} | ${f.floor} | **${f.ratio}** | ${f.target ?? ''} |`),
  ].join('\n');
  console.log(
    `\n${machine}\nDynamoDB requests per tracked event: ${round(perEvent, 2)} ${JSON.stringify(extra.dynamodbRequestsPerEventByCommand)}\nWrites per tracked event: ${JSON.stringify(extra.writesPerEvent)}\n\n${table}\n`,
  );
  if (process.env.BENCH_WRITE_DOCS === '1') {
    mkdirSync('docs', { recursive: true });
    writeFileSync(
      'docs/BENCHMARKS.md',
      `# Benchmarks\n\nProduced by \`BENCH_WRITE_DOCS=1 npm run bench\` on ${result.date.slice(0, 10)}.\n\nMachine: ${machine}.\n\nEvery figure is a ratio against a floor measured in the same run, because absolute times on a shared 2-core machine vary from run to run. Ratios for throughput are floor time / measured time (1.0 = as fast as the floor); ratios for latency are measured / floor.\n\nDynamoDB requests per tracked event (HTTP ingest, single events): **${round(perEvent, 2)}**.\n\n${table}\n\nRaw result: \`bench-results/latest.json\` (not committed).\n`,
    );
  }
}

await main();
process.exit(0);
