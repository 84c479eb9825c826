import { describe, expect, it } from 'vitest';
import { CostApiError, createCostClient, parseRetryAfter } from '../src/index.js';
import { errorReply, fakeFetch, jsonReply } from './fake-fetch.js';

const BASE = 'http://cost.test/api/cost-management';
const event = {
  userId: 'alice',
  modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
  inputTokens: 10,
  outputTokens: 5,
};
const recorded = { requestId: 'r', duplicate: false, costUsd: 0.00000875 };

function setup(fetch: ReturnType<typeof fakeFetch>, retries: number | object = 3) {
  const waits: number[] = [];
  const client = createCostClient({
    baseUrl: `${BASE}/`,
    apiKey: 'key-1',
    fetch,
    retries,
    random: () => 0,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { client, waits };
}

async function rejection(promise: Promise<unknown>): Promise<CostApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CostApiError);
  return error as CostApiError;
}

describe('createCostClient retries', () => {
  it('waits Retry-After on 429, then succeeds with the same requestId', async () => {
    const fetch = fakeFetch(errorReply(429, 'THROTTLED', { 'retry-after': '2' }), jsonReply(201, recorded));
    const { client, waits } = setup(fetch);
    await client.trackUsage(event);
    expect(fetch.calls).toHaveLength(2);
    expect(waits).toEqual([2000]);
    const [first, second] = fetch.calls.map((c) => c.body as { requestId: string });
    expect(first?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.requestId).toBe(first?.requestId);
  });

  it('backs off exponentially on 503 without Retry-After and gives up after the retries', async () => {
    const fetch = fakeFetch(errorReply(503, 'UNAVAILABLE'));
    const { client, waits } = setup(fetch);
    const error = await rejection(client.trackUsage({ ...event, requestId: 'given-1' }));
    expect(error.status).toBe(503);
    expect(error.code).toBe('UNAVAILABLE');
    expect(fetch.calls).toHaveLength(4);
    expect(waits).toEqual([100, 200, 400]);
    expect(new Set(fetch.calls.map((c) => (c.body as { requestId: string }).requestId))).toEqual(
      new Set(['given-1']),
    );
  });

  it('adds jitter on top of Retry-After', async () => {
    const fetch = fakeFetch(errorReply(503, 'UNAVAILABLE', { 'retry-after': '1' }), jsonReply(200, recorded));
    const waits: number[] = [];
    const client = createCostClient({
      baseUrl: BASE,
      apiKey: 'k',
      fetch,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await client.trackUsage(event);
    expect(waits).toEqual([1100]);
  });

  it('does not retry a 400 and exposes the error envelope', async () => {
    const fetch = fakeFetch(
      jsonReply(400, {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'Invalid request.',
          details: [{ path: 'inputTokens', message: 'must be at least 0' }, { bogus: true }],
        },
      }),
    );
    const { client, waits } = setup(fetch);
    const error = await rejection(client.trackUsage({ ...event, inputTokens: -1 }));
    expect(fetch.calls).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', message: 'Invalid request.' });
    expect(error.details).toEqual([{ path: 'inputTokens', message: 'must be at least 0' }]);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.retryable).toBe(false);
  });

  it('does not retry 401, 404, 409 or 500', async () => {
    for (const [status, code] of [
      [401, 'UNAUTHORIZED'],
      [404, 'NOT_FOUND'],
      [409, 'CONFLICT'],
      [500, 'INTERNAL'],
    ] as const) {
      const fetch = fakeFetch(errorReply(status, code));
      const { client } = setup(fetch);
      const error = await rejection(client.analytics('alice'));
      expect([error.status, error.code, fetch.calls.length]).toEqual([status, code, 1]);
    }
  });

  it('throws at once when Retry-After is longer than the policy waits', async () => {
    const fetch = fakeFetch(errorReply(429, 'THROTTLED', { 'retry-after': '120' }));
    const { client, waits } = setup(fetch);
    const error = await rejection(client.check({ userId: 'alice', modelId: 'm' }));
    expect(fetch.calls).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.retryable).toBe(true);
  });

  it('retries a check with one generated requestId, so a hard budget reserves once', async () => {
    const decision = { decision: 'allow', modelId: 'm', level: 'normal', retryAfterMs: 0, reason: 'ok' };
    const fetch = fakeFetch(new TypeError('fetch failed'), (call) =>
      jsonReply(200, { ...decision, requestId: (call.body as { requestId: string }).requestId }),
    );
    const { client } = setup(fetch);
    const answer = await client.check({ userId: 'alice', modelId: 'm' });
    const [first, second] = fetch.calls.map((c) => c.body as { requestId: string });
    expect(first?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.requestId).toBe(first?.requestId);
    expect(answer.requestId).toBe(first?.requestId);
    await client.check({ userId: 'alice', modelId: 'm', requestId: 'given-check' });
    expect(fetch.calls[2]?.body).toMatchObject({ requestId: 'given-check' });
  });

  it('sends once with retries: 0', async () => {
    const fetch = fakeFetch(errorReply(429, 'THROTTLED', { 'retry-after': '1' }));
    const { client } = setup(fetch, 0);
    const error = await rejection(client.models());
    expect(error.retryAfterMs).toBe(1000);
    expect(fetch.calls).toHaveLength(1);
  });

  it('retries network errors of idempotent requests only', async () => {
    const down = new TypeError('fetch failed');
    const fetch = fakeFetch(down, jsonReply(201, recorded));
    const { client } = setup(fetch);
    await client.trackUsage(event);
    expect(fetch.calls).toHaveLength(2);

    const once = fakeFetch(down, jsonReply(201, {}));
    const error = await rejection(setup(once).client.createThreshold({ userId: 'alice', limitUsd: 10 }));
    expect(once.calls).toHaveLength(1);
    expect(error).toMatchObject({ status: 0, code: 'NETWORK_ERROR', retryable: true });
    expect(error.cause).toBe(down);
  });

  it('names answers that are not an error envelope by their status', async () => {
    const fetch = fakeFetch(
      new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    const error = await rejection(setup(fetch).client.health());
    expect(error).toMatchObject({ status: 502, code: 'HTTP_502', message: 'HTTP 502 Bad Gateway' });
  });

  it('reports a success answer that is not JSON as INVALID_RESPONSE', async () => {
    const fetch = fakeFetch(new Response('<html>portal login</html>', { status: 200 }));
    const error = await rejection(setup(fetch).client.models());
    expect(error).toMatchObject({ status: 200, code: 'INVALID_RESPONSE' });
  });
});

describe('createCostClient requests', () => {
  it('sends the key, JSON bodies, encoded path segments and defined query parameters', async () => {
    const fetch = fakeFetch(jsonReply(200, { userId: 'a b' }));
    const { client } = setup(fetch);
    await client.analytics('a b/c', { from: '2026-11-01', to: undefined });
    await client.estimate({
      modelId: 'm',
      operations: [{ name: 'x', inputTokens: 1, outputTokens: 1, perDay: 1 }],
    });
    const [read, post] = fetch.calls;
    expect(read).toMatchObject({ method: 'GET', url: `${BASE}/analytics/a%20b%2Fc?from=2026-11-01` });
    expect(read?.headers['x-api-key']).toBe('key-1');
    expect(read?.body).toBeUndefined();
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.body).toMatchObject({ modelId: 'm' });
  });

  it('keeps a given requestId and gives each batch event its own', async () => {
    const fetch = fakeFetch(jsonReply(200, { results: [] }));
    const { client } = setup(fetch);
    await client.trackUsageBatch([event, { ...event, requestId: 'mine' }, event]);
    const body = fetch.calls[0]?.body as { events: { requestId: string }[] };
    const ids = body.events.map((e) => e.requestId);
    expect(ids[1]).toBe('mine');
    expect(new Set(ids).size).toBe(3);
  });

  it('walks every export page by cursor', async () => {
    const page = (n: number, nextCursor: string | null) =>
      jsonReply(200, { userId: 'alice', from: 'f', to: 't', items: [{ requestId: `r${n}` }], nextCursor });
    const fetch = fakeFetch(page(1, 'c1'), page(2, 'c2'), page(3, null));
    const { client } = setup(fetch);
    const ids: string[] = [];
    for await (const item of client.exportItems('alice', { from: '2026-11-01', limit: 1 }))
      ids.push(item.requestId);
    expect(ids).toEqual(['r1', 'r2', 'r3']);
    expect(fetch.calls.map((c) => new URL(c.url).searchParams.get('cursor'))).toEqual([null, 'c1', 'c2']);
    expect(new URL(fetch.calls[0]?.url ?? '').searchParams.get('format')).toBe('json');
  });

  it('walks the tenant-wide lists by cursor', async () => {
    const users = (ids: string[], nextCursor: string | null) =>
      jsonReply(200, { items: ids.map((userId) => ({ userId, costUsd: 1 })), nextCursor });
    const breaches = (ids: string[], nextCursor: string | null) =>
      jsonReply(200, { items: ids.map((breachId) => ({ breachId })), nextCursor });
    const fetch = fakeFetch(
      users(['carol', 'dave'], 'u1'),
      users(['erin'], null),
      breaches(['b3'], 'b1'),
      breaches([], null),
    );
    const { client } = setup(fetch);
    const ids: string[] = [];
    for await (const user of client.userItems({ from: '2026-11-01', to: '2026-11-30', limit: 2 }))
      ids.push(user.userId);
    for await (const breach of client.tenantBreachItems({ status: 'open' })) ids.push(breach.breachId);
    expect(ids).toEqual(['carol', 'dave', 'erin', 'b3']);
    expect(fetch.calls.map((c) => c.url.slice(BASE.length))).toEqual([
      '/users?from=2026-11-01&to=2026-11-30&limit=2',
      '/users?from=2026-11-01&to=2026-11-30&limit=2&cursor=u1',
      '/breaches?status=open',
      '/breaches?status=open&cursor=b1',
    ]);
  });

  it('answers nothing for 204 and maps every route to its method and path', async () => {
    const fetch = fakeFetch((call) => (call.method === 'DELETE' ? jsonReply(204, null) : jsonReply(200, {})));
    const { client } = setup(fetch);
    await expect(client.deleteThreshold('th-1')).resolves.toBeUndefined();
    await client.updateThreshold('th-1', { limitUsd: 5 });
    await client.listThresholds('alice');
    await client.putAlerting('alice', { email: 'a@example.com' });
    await client.getAlerting('alice');
    await client.listBreaches('alice', { status: 'open' });
    await client.tenantBreaches({ status: 'acknowledged', limit: 10 });
    await client.users({ limit: 5 });
    await client.acknowledgeBreach('br-1');
    await client.initAutoControl({ userId: 'alice', budgetUsd: 10 });
    await client.controlStatus('alice');
    await client.reverseAction('act-1', { reason: 'false alarm' });
    await client.controlActions('alice', { limit: 5 });
    await client.projections('alice', { horizonDays: 7 });
    await client.recommendations('alice');
    await client.benchmarks({ tier: 'starter' });
    expect(fetch.calls.map((c) => `${c.method} ${c.url.slice(BASE.length)}`)).toEqual([
      'DELETE /thresholds/th-1',
      'PUT /thresholds/th-1',
      'GET /thresholds/alice',
      'PUT /alerting/alice',
      'GET /alerting/alice',
      'GET /breaches/alice?status=open',
      'GET /breaches?status=acknowledged&limit=10',
      'GET /users?limit=5',
      'POST /breaches/br-1/acknowledge',
      'POST /auto-control/init',
      'GET /auto-control/status/alice',
      'POST /auto-control/reverse/act-1',
      'GET /auto-control/actions/alice?limit=5',
      'GET /projections/alice?horizonDays=7',
      'GET /recommendations/alice',
      'GET /benchmarks?tier=starter',
    ]);
  });
});

describe('erasure', () => {
  const pending = {
    erasureId: 'e-1',
    userId: 'a b',
    status: 'pending',
    requestedAt: '2026-11-30T10:00:00.000Z',
    completedAt: null,
  };

  it('erases a user with DELETE /users/{userId} (encoded) and reads the erasure back', async () => {
    const fetch = fakeFetch(
      jsonReply(202, pending),
      jsonReply(200, { ...pending, status: 'completed', completedAt: '2026-11-30T10:00:05.000Z' }),
    );
    const { client } = setup(fetch);
    const erasure = await client.eraseUser('a b');
    expect(erasure).toEqual(pending);
    const done = await client.erasure(erasure.erasureId);
    expect(done.status).toBe('completed');
    expect(done.completedAt).toBe('2026-11-30T10:00:05.000Z');
    expect(fetch.calls.map((c) => `${c.method} ${c.url.slice(BASE.length)}`)).toEqual([
      'DELETE /users/a%20b',
      'GET /erasures/e-1',
    ]);
    expect(fetch.calls[0]?.body).toBeUndefined();
  });

  it('retries an erasure request on 503 (a repeated request answers the same erasure)', async () => {
    const fetch = fakeFetch(errorReply(503, 'UNAVAILABLE', { 'retry-after': '1' }), jsonReply(202, pending));
    const { client, waits } = setup(fetch);
    expect((await client.eraseUser('a b')).erasureId).toBe('e-1');
    expect(fetch.calls).toHaveLength(2);
    expect(waits).toEqual([1000]);
  });

  it('throws the API error of an unknown erasure', async () => {
    const fetch = fakeFetch(errorReply(404, 'NOT_FOUND'));
    const { client } = setup(fetch);
    const error = await rejection(client.erasure('nope'));
    expect(error.status).toBe(404);
    expect(error.code).toBe('NOT_FOUND');
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('data protection', () => {
  it('reads and changes the settings, and pages through the audit log newest first', async () => {
    const settings = {
      retention: { usageDays: 90, historyDays: 730 },
      updatedAt: '2026-11-23T10:00:00.000Z',
      retentionJob: {
        status: 'pending',
        usageDays: 90,
        historyDays: 730,
        requestedAt: '2026-11-23T10:00:00.000Z',
        startAfter: '2026-11-23T10:01:05.000Z',
        completedAt: null,
        examined: 0,
        rewritten: 0,
      },
    };
    const entry = (auditId: string) => ({
      auditId,
      at: '2026-11-23T10:00:00.000Z',
      actor: { tenant: 't', keyId: 'k1' },
      action: 'settings.update',
      target: 'settings',
      before: null,
      after: null,
    });
    const fetch = fakeFetch(
      jsonReply(200, settings),
      jsonReply(200, settings),
      jsonReply(200, { items: [entry('a3'), entry('a2')], nextCursor: 'c1' }),
      jsonReply(200, { items: [entry('a1')], nextCursor: null }),
    );
    const { client } = setup(fetch);
    const changed = await client.putSettings({ retention: { usageDays: 90 } });
    expect(changed.retentionJob?.status).toBe('pending');
    expect((await client.getSettings()).retention.usageDays).toBe(90);
    const ids: string[] = [];
    for await (const e of client.auditEntries({ from: '2026-11-01T00:00:00Z', limit: 2 }))
      ids.push(e.auditId);
    expect(ids).toEqual(['a3', 'a2', 'a1']);
    expect(fetch.calls.map((c) => `${c.method} ${c.url.slice(BASE.length)}`)).toEqual([
      'PUT /settings',
      'GET /settings',
      'GET /audit?from=2026-11-01T00%3A00%3A00Z&limit=2',
      'GET /audit?from=2026-11-01T00%3A00%3A00Z&limit=2&cursor=c1',
    ]);
    expect(fetch.calls[0]?.body).toEqual({ retention: { usageDays: 90 } });
  });

  it('retries a settings change the service could not write (503), which stored nothing', async () => {
    const fetch = fakeFetch(errorReply(503, 'UNAVAILABLE'), jsonReply(200, { retention: {} }));
    const { client, waits } = setup(fetch);
    await client.putSettings({ retention: { historyDays: 365 } });
    expect(fetch.calls).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });
});
