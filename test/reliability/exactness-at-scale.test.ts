import { addDays, fromUsd, type NanoUsd, priceUsage, sumNano, toUsd, utcDay } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A } from '../support/runtime.js';

/**
 * Thousands of events over many users and days, about a fifth of them sent again (sequential
 * retries, concurrent duplicates, duplicates inside a batch): every total the API answers is
 * exact to the nano-dollar against an independent computation with core `priceUsage`.
 */

const EVENTS = 3000;
const USERS = 40;
const DAYS = 25;
const CONCURRENCY = 12;

interface UsageEvent {
  requestId: string;
  userId: string;
  modelId: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  timestamp: string;
  operation: string;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = [
  'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'amazon.nova-micro-v1:0',
  'meta.llama3-1-8b-instruct-v1:0',
];
const OPERATIONS = ['chat', 'code-review', 'summarise', 'classify'];

let runtime: LocalRuntime;
let base: string;
const today = utcDay(new Date().toISOString());
const from = addDays(today, -DAYS);
const rand = random(20261123);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (max: number) => Math.floor(rand() * (max + 1));

const events: UsageEvent[] = [];
const costByRequest = new Map<string, NanoUsd>();
const figures = { sends: 0, retries: 0, concurrentDuplicates: 0, inBatchDuplicates: 0, transientRetries: 0 };

function makeEvent(i: number): UsageEvent {
  const modelId = pick(MODELS);
  const day = addDays(from, int(DAYS - 1));
  const seconds = int(86_399);
  const event: UsageEvent = {
    requestId: `ex-${i}`,
    userId: `user-${i % USERS}`,
    modelId,
    inputTokens: rand() < 0.02 ? 150_000 + int(150_000) : int(20_000),
    outputTokens: int(4_000),
    cacheReadInputTokens: rand() < 0.3 ? int(50_000) : 0,
    cacheWriteInputTokens: rand() < 0.1 ? int(10_000) : 0,
    timestamp: new Date(Date.parse(`${day}T00:00:00.000Z`) + seconds * 1000 + int(999)).toISOString(),
    operation: pick(OPERATIONS),
  };
  const price = (e: UsageEvent) => priceUsage({ modelId: e.modelId, usage: e, at: e.timestamp }).costNano;
  try {
    costByRequest.set(event.requestId, price(event));
  } catch {
    // A model without prompt caching: the same call without cache tokens.
    event.cacheReadInputTokens = 0;
    event.cacheWriteInputTokens = 0;
    costByRequest.set(event.requestId, price(event));
  }
  return event;
}

/** POST with retries on 503 (the caller's job, per the contract); answers the final status. */
async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  for (let attempt = 1; ; attempt++) {
    figures.sends++;
    const res = await call(base, 'POST', path, { key: TENANT_A.key, body });
    if (res.status !== 503 || attempt === 5) return res;
    figures.transientRetries++;
  }
}

let recorded = 0;
function countStatus(status: number, context: string): void {
  expect([200, 201], context).toContain(status);
  if (status === 201) recorded++;
}

async function pool(tasks: (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      await task();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

let elapsedMs = 0;

beforeAll(async () => {
  runtime = await startTestRuntime();
  base = runtime.apiBase;
  for (let i = 0; i < EVENTS; i++) events.push(makeEvent(i));

  const single = (e: UsageEvent) => async () => {
    const res = await post('/track-usage', e);
    countStatus(res.status, `${e.requestId} → ${JSON.stringify(res.body)}`);
  };
  const tasks: (() => Promise<void>)[] = [];
  const retryLater: UsageEvent[] = [];
  // 60 % one by one: some sent twice at the same moment, some again later.
  const singles = events.slice(0, EVENTS * 0.6);
  for (const e of singles) {
    const r = rand();
    if (r < 0.08) {
      figures.concurrentDuplicates++;
      tasks.push(async () => {
        await Promise.all([single(e)(), single(e)()]);
      });
    } else {
      if (r < 0.22) retryLater.push(e);
      tasks.push(single(e));
    }
  }
  // 40 % in batches of 20 new events plus up to 5 copies of events of the same batch.
  const batched = events.slice(EVENTS * 0.6);
  for (let i = 0; i < batched.length; i += 20) {
    const chunk = batched.slice(i, i + 20);
    const copies = Array.from({ length: int(5) }, () => pick(chunk));
    figures.inBatchDuplicates += copies.length;
    const body = { events: [...chunk, ...copies] };
    tasks.push(async () => {
      const res = await post('/track-usage/batch', body);
      expect(res.status).toBe(200);
      const results = (res.body as { results: { requestId: string; status: number }[] }).results;
      expect(results.map((r) => r.requestId)).toEqual(body.events.map((e) => e.requestId));
      for (const r of results) countStatus(r.status, `${r.requestId} in a batch → ${JSON.stringify(r)}`);
    });
    if (rand() < 0.15) retryLater.push(...chunk.slice(0, 3));
  }
  // Shuffle, so users and days interleave.
  for (let i = tasks.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [tasks[i], tasks[j]] = [tasks[j] as () => Promise<void>, tasks[i] as () => Promise<void>];
  }
  figures.retries = retryLater.length;
  const started = performance.now();
  await pool(tasks);
  await pool(retryLater.map(single));
  await runtime.alerting.bus.idle();
  elapsedMs = performance.now() - started;
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  const resent = figures.retries + figures.concurrentDuplicates + figures.inBatchDuplicates;
  console.info(
    `exactness: ${EVENTS} events, ${figures.retries} later retries, ${figures.concurrentDuplicates} concurrent duplicates, ` +
      `${figures.inBatchDuplicates} in-batch duplicates (${((resent / EVENTS) * 100).toFixed(1)} % sent again), ` +
      `${figures.transientRetries} retries after 503, ${figures.sends} HTTP requests, ${(elapsedMs / 1000).toFixed(1)} s`,
  );
});

describe('exactness at scale', () => {
  it('records every distinct event exactly once', () => {
    expect(recorded).toBe(EVENTS);
    const resent = figures.retries + figures.concurrentDuplicates + figures.inBatchDuplicates;
    expect(resent / EVENTS).toBeGreaterThan(0.15);
  });

  it('analytics per user match priceUsage to the nano-dollar, in total, per day and per model', async () => {
    let grand = 0;
    for (let u = 0; u < USERS; u++) {
      const userId = `user-${u}`;
      const mine = events.filter((e) => e.userId === userId);
      const res = await call<{
        totals: Record<string, number>;
        daily: { date: string; requests: number; costUsd: number }[];
        byModel: { modelId: string; requests: number; costUsd: number }[];
      }>(base, 'GET', `/analytics/${userId}?from=${from}&to=${today}`, { key: TENANT_A.key });
      expect(res.status).toBe(200);
      const expectedNano = sumNano(mine.map((e) => costByRequest.get(e.requestId) as NanoUsd));
      grand += expectedNano;
      const sum = (key: keyof UsageEvent) => mine.reduce((s, e) => s + (e[key] as number), 0);
      expect(res.body.totals).toMatchObject({
        requests: mine.length,
        inputTokens: sum('inputTokens'),
        outputTokens: sum('outputTokens'),
        cacheReadInputTokens: sum('cacheReadInputTokens'),
        cacheWriteInputTokens: sum('cacheWriteInputTokens'),
        costUsd: toUsd(expectedNano),
      });
      expect(fromUsd(res.body.totals.costUsd as number)).toBe(expectedNano);
      for (const d of res.body.daily.filter((x) => x.requests > 0)) {
        const day = mine.filter((e) => e.timestamp.startsWith(d.date));
        expect(d.requests).toBe(day.length);
        expect(fromUsd(d.costUsd)).toBe(sumNano(day.map((e) => costByRequest.get(e.requestId) as NanoUsd)));
      }
      expect(res.body.daily.reduce((s, d) => s + d.requests, 0)).toBe(mine.length);
      expect(sumNano(res.body.byModel.map((m) => fromUsd(m.costUsd)))).toBe(expectedNano);
    }
    expect(grand).toBe(sumNano([...costByRequest.values()]));
  });

  it('exports hold every record once, with costs summing exactly', async () => {
    for (let u = 0; u < USERS; u += 3) {
      const userId = `user-${u}`;
      const mine = events.filter((e) => e.userId === userId);
      const seen: { requestId: string; costUsd: number }[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `from=${from}&to=${today}&limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await call<{
          items: { requestId: string; costUsd: number }[];
          nextCursor: string | null;
        }>(base, 'GET', `/export/${userId}?${query}`, { key: TENANT_A.key });
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen.map((r) => r.requestId).sort()).toEqual(mine.map((e) => e.requestId).sort());
      for (const r of seen) expect(fromUsd(r.costUsd)).toBe(costByRequest.get(r.requestId));
      expect(sumNano(seen.map((r) => fromUsd(r.costUsd)))).toBe(
        sumNano(mine.map((e) => costByRequest.get(e.requestId) as NanoUsd)),
      );
    }
  });
});
