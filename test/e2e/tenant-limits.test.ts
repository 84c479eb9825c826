import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { type ApiResponse, call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const LIMIT = { rateLimit: 5, burstLimit: 10 };

interface Envelope {
  error: { code: string; message: string };
}

/**
 * Per-tenant rate limits on the real local runtime (HTTP, key check, handlers, DynamoDB Local).
 * The limiter's clock is held by the test: the buckets refill only when the test moves it, so
 * the counts below do not depend on how fast this machine answers.
 */
describe('per-tenant rate limits', () => {
  let runtime: LocalRuntime;
  let clock = 0;
  let seq = 0;
  const track = (tenant: { key: string }, userId: string) =>
    call(runtime.apiBase, 'POST', '/track-usage', {
      key: tenant.key,
      body: { requestId: `limits-${seq++}`, userId, modelId: MODEL, inputTokens: 100, outputTokens: 50 },
    });
  const count = (responses: ApiResponse[], status: number) =>
    responses.filter((r) => r.status === status).length;
  /** Calls that no tenant's budget may pay for: the open routes, even when sent with a key. */
  const hammerOpenRoutes = (n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) => {
        const key = i % 2 === 0 ? TENANT_A.key : TENANT_B.key;
        const [path, base] = [
          ['/health', runtime.apiBase],
          ['/_local/sms', runtime.url],
          ['/console/', runtime.url],
        ][i % 3] as [string, string];
        return call(base, 'GET', path, { key });
      }),
    );

  /** The open routes answer as they always do (the console page may be unbuilt: 503), never 429. */
  const expectNeverLimited = (responses: ApiResponse[]) => {
    expect(count(responses, 429)).toBe(0);
    expect(count(responses, 200)).toBeGreaterThanOrEqual((2 * responses.length) / 3);
  };

  beforeAll(async () => {
    runtime = await startTestRuntime({
      tenantLimits: { default: LIMIT, overrides: {}, tenants: [] },
      rateLimitClock: () => clock,
    });
  });
  afterAll(() => runtime?.close());

  it('refuses tenant A past its burst with 429 THROTTLED and Retry-After, while tenant B is served in full', async () => {
    const before = await hammerOpenRoutes(60);
    expectNeverLimited(before);

    // A sends four times its burst at once; B sends its whole burst at the same moment; the open
    // routes keep being called with both keys.
    const [a, b, open] = await Promise.all([
      Promise.all(Array.from({ length: 4 * LIMIT.burstLimit }, () => track(TENANT_A, 'alice'))),
      Promise.all(Array.from({ length: LIMIT.burstLimit }, () => track(TENANT_B, 'bob'))),
      hammerOpenRoutes(60),
    ]);

    expect(statuses(b)).toEqual(Array(LIMIT.burstLimit).fill(201));
    expectNeverLimited(open);
    expect(count(a, 201)).toBe(LIMIT.burstLimit);
    expect(count(a, 429)).toBe(3 * LIMIT.burstLimit);
    for (const refused of a.filter((r) => r.status === 429)) {
      expect((refused.body as Envelope).error.code).toBe('THROTTLED');
      expect((refused.body as Envelope).error.message).toMatch(/retry after the Retry-After interval/i);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('content-type')).toMatch(/application\/json/);
    }
    // B's budget is spent too now, by its own requests only.
    const bMore = await track(TENANT_B, 'bob');
    expect(bMore.status).toBe(429);
  });

  it('serves tenant A again once its bucket has refilled, at the configured rate', async () => {
    clock += 1_000; // one second: 5 tokens
    const again = await Promise.all(Array.from({ length: LIMIT.rateLimit }, () => track(TENANT_A, 'alice')));
    expect(statuses(again)).toEqual(Array(LIMIT.rateLimit).fill(201));
    expect((await track(TENANT_A, 'alice')).status).toBe(429);
  });

  it('lets no refused request reach a handler: only the served ones were recorded', async () => {
    clock += 60_000;
    const analytics = await call<{ totals: { requests: number } }>(
      runtime.apiBase,
      'GET',
      '/analytics/alice',
      {
        key: TENANT_A.key,
      },
    );
    expect(analytics.status).toBe(200);
    expect(analytics.body.totals.requests).toBe(LIMIT.burstLimit + LIMIT.rateLimit);
  });

  it('checks the key first: an unknown key is 401, not counted against anyone', async () => {
    const unknown = await Promise.all(
      Array.from({ length: 20 }, () => call(runtime.apiBase, 'GET', '/models', { key: 'not-a-known-key' })),
    );
    expect(count(unknown, 401)).toBe(20);
    const b = await Promise.all(Array.from({ length: LIMIT.burstLimit }, () => track(TENANT_B, 'bob')));
    expect(count(b, 201)).toBe(LIMIT.burstLimit);
  });
});

describe('per-tenant rate limits on the real clock', () => {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime({
      tenantLimits: { default: { rateLimit: 1, burstLimit: 2 }, overrides: {}, tenants: [] },
    });
  });
  afterAll(() => runtime?.close());

  it('refills while the caller waits the Retry-After it was given', async () => {
    const models = () => call(runtime.apiBase, 'GET', '/models', { key: TENANT_A.key });
    const burst = await Promise.all([models(), models(), models()]);
    expect(statuses(burst).sort()).toEqual([200, 200, 429]);
    const retryAfter = Number(burst.find((r) => r.status === 429)?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    expect((await models()).status).toBe(200);
  });
});

function statuses(responses: ApiResponse[]): number[] {
  return responses.map((r) => r.status);
}
