/**
 * Alerting figures for `npm run bench` (scripts/bench.ts): the time from the request that
 * crosses a threshold to the email in the SES emulator's inbox, and the sweep's time and
 * DynamoDB requests for 1,000 and 10,000 enabled thresholds.
 */
import { performance } from 'node:perf_hooks';
import { runSweep } from '../lambdas/alerting/use-cases/sweep.js';
import { sweepDeps } from '../lambdas/alerting/wiring.js';
import { spec as sweepSpec } from '../lambdas/functions/sweep-worker-environment.js';
import { documentClient } from '../lambdas/platform/dynamo-client.js';
import { loadEnvironment } from '../lambdas/platform/function-spec.js';
import { aggregateStore } from '../lambdas/usage/wiring.js';
import type { LocalRuntime } from '../local/runtime.js';
import { benchThreshold } from './bench-sweep.js';

const LATENCY_RUNS = Number(process.env.BENCH_ALERT_RUNS ?? 9);

export interface AlertingFigures {
  emailLatenciesMs: number[];
  sweeps: { thresholds: number; ms: number; requests: number; detail: string }[];
}

/** Runs on a started runtime whose API key is `key` for tenant `tenant`. */
export async function benchAlerting(
  runtime: LocalRuntime,
  tenant: string,
  key: string,
): Promise<AlertingFigures> {
  const post = (path: string, body: unknown, method = 'POST') =>
    fetch(`${runtime.apiBase}${path}`, {
      method,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const event = (requestId: string, userId: string) => ({
    requestId,
    userId,
    modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    inputTokens: 100_000,
    outputTokens: 0,
  });

  async function inboxHas(userId: string): Promise<boolean> {
    const res = await fetch(`${runtime.alerting.sesUrl}/store`);
    const { emails } = (await res.json()) as { emails: { subject: string }[] };
    return emails.some((e) => e.subject.includes(`Critical: ${userId} spent`));
  }

  // 1. Crossing request → email in the inbox.
  const latencies: number[] = [];
  for (let run = 0; run < LATENCY_RUNS; run++) {
    const userId = `lat-${run}`;
    await post(`/alerting/${userId}`, { email: `${userId}@example.com` }, 'PUT');
    await post('/thresholds', { userId, limitUsd: 1, warningPercent: 99, channels: ['email'] });
    for (let i = 0; i < 3; i++) await post('/track-usage', event(`${userId}-${i}`, userId));
    const start = performance.now();
    await post('/track-usage', event(`${userId}-x`, userId));
    while (!(await inboxHas(userId))) await new Promise((r) => setTimeout(r, 5));
    latencies.push(performance.now() - start);
  }

  // 2. Sweep cost against enabled thresholds.
  const requests = new Map<string, number>();
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown');
      requests.set(name, (requests.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  const env = loadEnvironment(sweepSpec);
  const deps = sweepDeps(env, aggregateStore(env));
  let created = 0;
  async function addThresholds(upTo: number) {
    const now = new Date().toISOString();
    const todo = Array.from({ length: upTo - created }, (_, i) => created + i);
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < todo.length) {
          const n = todo[next++] as number;
          const threshold = benchThreshold(n, now, 'bench');
          await deps.thresholds.put(tenant, threshold);
        }
      }),
    );
    created = upTo;
  }
  const results: { thresholds: number; ms: number; requests: number; detail: string }[] = [];
  for (const size of [1_000, 10_000]) {
    await addThresholds(size);
    requests.clear();
    const start = performance.now();
    const summary = await runSweep(deps, new Date());
    const ms = performance.now() - start;
    const total = [...requests.values()].reduce((a, b) => a + b, 0);
    const detail = [...requests].map(([k, v]) => `${k.replace('Command', '')} ${v}`).join(', ');
    results.push({ thresholds: summary.thresholds, ms, requests: total, detail });
  }
  return { emailLatenciesMs: latencies, sweeps: results };
}
