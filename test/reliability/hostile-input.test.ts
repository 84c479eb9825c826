import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_ROUTES } from '../../lambdas/functions/routes.js';
import type { FunctionSpec } from '../../lambdas/platform/function-spec.js';
import type { TableKey } from '../../lambdas/platform/tables.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { type ApiResponse, call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

/**
 * Property-based fuzzing of every POST/PUT body and every path and query parameter of the
 * served routes: the answer is never a 5xx, every 4xx carries the error envelope, and a
 * rejected request stores nothing in the tables its function may write.
 */

let runtime: LocalRuntime;
let base: string;
let db: ReturnType<typeof tables>;
let cases = 0;
const headerStatuses: number[] = [];
const writeTablesByFn = new Map<string, TableKey[]>();
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
let thresholdId = '';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

beforeAll(async () => {
  runtime = await startTestRuntime();
  base = runtime.apiBase;
  db = tables();
  for (const fn of new Set(HANDLER_ROUTES.map((r) => r.fn))) {
    const { spec } = (await import(`../../lambdas/functions/${fn}-environment.ts`)) as { spec: FunctionSpec };
    const written = Object.entries(spec.tables)
      .filter(([, actions]) => actions?.some((a) => WRITES.has(a)))
      .map(([key]) => key as TableKey);
    writeTablesByFn.set(fn, written);
  }
  const created = await call<{ thresholdId: string }>(base, 'POST', '/thresholds', {
    key: TENANT_A.key,
    body: { userId: 'fuzz', name: 'cap', limitUsd: 100 },
  });
  expect(created.status).toBe(201);
  thresholdId = created.body.thresholdId;
});
afterAll(async () => {
  await runtime?.close();
  console.info(
    `hostile input: ${cases} fuzz cases; x-api-key injection answered ${headerStatuses.join(' ')}`,
  );
});

/** A valid body per POST/PUT route, the seed of the mutations. */
function validBody(path: string): Record<string, unknown> | undefined {
  const usage = {
    requestId: `fz-${Math.random().toString(36).slice(2)}`,
    userId: 'fuzz',
    modelId: SONNET,
    inputTokens: 1000,
    outputTokens: 500,
  };
  switch (path) {
    case '/estimate':
      return {
        modelId: SONNET,
        days: 30,
        operations: [{ name: 'review', inputTokens: 8000, outputTokens: 2000, perDay: 20 }],
        compareModels: ['anthropic.claude-3-haiku-20240307-v1:0'],
        lineItems: [{ name: 'EKS', monthlyUsd: 73 }],
        selfHosted: { upfrontUsd: 3000, monthlyUsd: 250 },
      };
    case '/track-usage':
      return { ...usage, cacheReadInputTokens: 0, timestamp: new Date().toISOString(), tags: { team: 'a' } };
    case '/track-usage/batch':
      return { events: [usage, { ...usage, requestId: `${usage.requestId}-2` }] };
    case '/thresholds':
      return { userId: 'fuzz', name: 'cap', type: 'absolute', period: 'monthly', limitUsd: 100 };
    case '/thresholds/{id}':
      return { limitUsd: 50, warningPercent: 70, enabled: true };
    case '/alerting/{userId}':
      return {
        email: 'owner@example.com',
        phone: '+4915112345678',
        webhookUrl: 'https://hooks.example.com/cost',
        webhookSecret: 'at-least-16-chars-long',
        escalation: { afterMinutes: 30, email: 'lead@example.com' },
      };
    case '/auto-control/init':
      return { userId: 'fuzz', enabled: true, budgetUsd: 100, period: 'monthly' };
    case '/auto-control/reverse/{actionId}':
      return { reason: 'manual' };
    case '/check':
      return { userId: 'fuzz', modelId: SONNET, estimatedInputTokens: 2000, estimatedOutputTokens: 500 };
    default:
      return undefined;
  }
}

const nested = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.array(tie('node'), { maxLength: 2 }),
    fc.constant({}),
  ),
})).node;
const deep = fc.integer({ min: 200, max: 2000 }).map((n) => {
  let value: unknown = 1;
  for (let i = 0; i < n; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
});
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    -0.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    1e21,
    0.1 + 0.2,
    'NaN',
    'Infinity',
    '-Infinity',
    '1e999',
    '',
    ' ',
    '\u0000',
    '../../etc/passwd',
    '%00',
    '__proto__',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '\u202e\ud83d\ude00\u0301',
    '2026-02-30T25:61:00Z',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
  ),
  fc.double(),
  fc.integer(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => 'x'.repeat(n)),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  nested,
  deep,
);

/** A valid body with one field replaced, removed or added, possibly inside a nested object. */
function mutated(seed: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        paths.push([...path, k]);
        walk(v, [...path, k]);
      }
    }
  };
  walk(seed, []);
  return fc
    .record({
      path: fc.constantFrom(...paths),
      op: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'extra'),
      value: hostileValue,
      extraKey: fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('__proto__', 'constructor', 'tenantId'),
      ),
    })
    .map(({ path, op, value, extraKey }) => {
      const body = structuredClone(seed) as Record<string, unknown>;
      let parent: Record<string, unknown> = body;
      for (const k of path.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
      const last = path[path.length - 1] as string;
      if (op === 'delete') delete parent[last];
      else if (op === 'extra') Object.defineProperty(parent, extraKey, { value, enumerable: true });
      else parent[last] = value;
      return body;
    });
}

const anyBody: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.json({ maxDepth: 3 }).map(JSON.parse),
);

/** Percent-encoded hostile path segments. */
const segment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '..%2F..%2Fexport%2Falice',
    '%00',
    'a%00b',
    '%ZZ',
    '%E0%A4%A',
    '%C0%AF',
    '%F0%9F%98%80',
    '%20',
    'alice%0d%0aX-Injected:%201',
    '%2F',
    '%5C..%5C',
    '*',
    'T%23tenant-b%23U%23alice',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).map(encodeURIComponent),
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: 30 })
    .map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
  fc.integer({ min: 129, max: 3000 }).map((n) => 'u'.repeat(n)),
);

const queryArb: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'from',
          'to',
          'format',
          'horizonDays',
          'status',
          'industry',
          'tier',
          'limit',
          'cursor',
        ),
        fc.string({ maxLength: 10 }),
      ),
      fc.oneof(
        fc.constantFrom(
          '2026-13-45',
          '-1',
          '1e999',
          'NaN',
          '99999999',
          'csv',
          'xml',
          '0000-00-00',
          '%00',
          '',
        ),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.integer({ min: 300, max: 3000 }).map((n) => '9'.repeat(n)),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => {
    const params = new URLSearchParams();
    for (const [k, v] of pairs) params.append(k, v);
    const text = params.toString();
    return text ? `?${text}` : '';
  });

const known = new Map<TableKey, number>();
async function counts(keys: readonly TableKey[]): Promise<Map<TableKey, number>> {
  const out = new Map<TableKey, number>();
  for (const key of keys) {
    let value = known.get(key);
    if (value === undefined) {
      value = await db.count(key);
      known.set(key, value);
    }
    out.set(key, value);
  }
  return out;
}

/** Sends one request and checks the properties; returns the response. */
async function probe(
  fn: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; key?: string },
): Promise<ApiResponse> {
  cases++;
  const writes = writeTablesByFn.get(fn) ?? [];
  // Work an earlier accepted request started on the event bus (an erasure) writes too: let it finish.
  await runtime.alerting.bus.idle();
  const before = await counts(writes);
  const res = await call(base, method, path, {
    key: options.key ?? TENANT_A.key,
    ...(options.rawBody !== undefined
      ? { rawBody: options.rawBody }
      : options.body !== undefined
        ? { rawBody: JSON.stringify(options.body) ?? 'null' }
        : {}),
  });
  const context = `${method} ${path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, context).toBeLessThan(500);
  if (res.status >= 400) {
    const envelope = res.body as { error?: { code?: unknown; message?: unknown } };
    expect(typeof envelope?.error?.code, context).toBe('string');
    expect(typeof envelope?.error?.message, context).toBe('string');
    known.clear();
    expect(await counts(writes), `${context}: a rejected request stored something`).toEqual(before);
  } else {
    known.clear();
  }
  return res;
}

const fill = (template: string, value: string) => template.replace(/\{\w+\}/g, value);
const concrete = (template: string) =>
  fill(template, template.includes('{id}') && template.startsWith('/thresholds') ? thresholdId : 'fuzz');

const bodyRoutes = HANDLER_ROUTES.filter((r) => r.method === 'POST' || r.method === 'PUT');
const paramRoutes = HANDLER_ROUTES.filter((r) => r.path.includes('{'));

describe('hostile bodies', () => {
  it.each(bodyRoutes.map((r) => [r.method, r.path, r.fn] as const))(
    '%s %s: mutated and arbitrary bodies are rejected cleanly',
    async (method, template, fn) => {
      const seed = validBody(template);
      const path = concrete(template);
      const bodies: fc.Arbitrary<unknown> = seed ? fc.oneof(mutated(seed), mutated(seed), anyBody) : anyBody;
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          await probe(fn, method, path, { body });
        }),
        { numRuns: 100 },
      );
      // Not JSON at all.
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
          const res = await probe(fn, method, path, { rawBody: `{${text}` });
          expect(res.status).toBe(400);
        }),
        { numRuns: 5 },
      );
    },
  );

  it.each(bodyRoutes.map((r) => [r.method, r.path, r.fn] as const))(
    '%s %s: a body over 256 KiB gets 413 and stores nothing',
    async (method, template, fn) => {
      const res = await probe(fn, method, concrete(template), {
        body: { ...validBody(template), pad: 'x'.repeat(260 * 1024) },
      });
      expect(res.status).toBe(413);
      expect((res.body as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    },
  );
});

describe('hostile path and query parameters', () => {
  it.each(paramRoutes.map((r) => [r.method, r.path, r.fn] as const))(
    '%s %s: arbitrary segments and queries',
    async (method, template, fn) => {
      const seed = validBody(template);
      await fc.assert(
        fc.asyncProperty(segment, queryArb, async (seg, query) => {
          await probe(
            fn,
            method,
            `${fill(template, seg)}${query}`,
            seed && method !== 'GET' ? { body: seed } : {},
          );
        }),
        { numRuns: 50 },
      );
    },
  );

  it.each(HANDLER_ROUTES.filter((r) => r.method === 'GET').map((r) => [r.path, r.fn] as const))(
    'GET %s: arbitrary query parameters',
    async (template, fn) => {
      await fc.assert(
        fc.asyncProperty(queryArb, async (query) => {
          await probe(fn, 'GET', `${concrete(template)}${query}`, {});
        }),
        { numRuns: 20 },
      );
    },
  );
});

/** Sends raw bytes and returns the status line's code (0 when the server just closed the connection). */
function rawRequest(text: string): Promise<{ status: number; response: string }> {
  const url = new URL(runtime.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const response = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
      resolve({ status, response });
    });
    socket.write(text);
  });
}

function rawGet(path: string, headerLines: string[]): Promise<{ status: number; response: string }> {
  return rawRequest(
    [
      `GET /api/cost-management${path} HTTP/1.1`,
      'Host: localhost',
      ...headerLines,
      'Connection: close',
      '',
      '',
    ].join('\r\n'),
  );
}

describe('header injection', () => {
  beforeAll(async () => {
    const res = await call(base, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: { requestId: 'secret-a-1', userId: 'alice', modelId: SONNET, inputTokens: 1000, outputTokens: 1 },
    });
    expect(res.status).toBe(201);
  });

  it('CR/LF, duplicated, folded and very long x-api-key values never authenticate or crash', async () => {
    const attempts: string[][] = [
      [`x-api-key: bogus\r\nx-api-key: ${TENANT_A.key}`],
      [`x-api-key: ${TENANT_B.key}`, `x-api-key: ${TENANT_A.key}`],
      [`x-api-key: bogus\rx-api-key: ${TENANT_A.key}`],
      [`x-api-key: bogus\nx-api-key: ${TENANT_A.key}`],
      [`x-api-key: bogus\r\n ${TENANT_A.key}`],
      [`x-api-key: ${TENANT_A.key}\u0000`],
      [`x-api-key: ${'k'.repeat(8000)}`],
      [`x-api-key: ${TENANT_A.key}${'k'.repeat(600)}`],
      [`x-api-key: ${'k'.repeat(70_000)}`],
      [`x-api-key: ${TENANT_A.key}`.replace('a', '\u00e4')],
    ];
    for (const headers of attempts) {
      cases++;
      const { status, response } = await rawGet('/export/alice?format=json', headers);
      headerStatuses.push(status);
      const context = `${JSON.stringify(headers).slice(0, 120)} → ${response.slice(0, 200)}`;
      // 401 from the API, or 400/431 from the HTTP parser; never through, never a crash.
      expect([400, 401, 431], context).toContain(status);
      expect(response, context).not.toContain('secret-a-1');
    }
    // The server still answers normally afterwards.
    const ok = await call(base, 'GET', '/export/alice?format=json', { key: TENANT_A.key });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('secret-a-1');
  });

  it('CR/LF or very long content-type values do not crash the server or bypass validation', async () => {
    const body = JSON.stringify({
      userId: 'ct',
      modelId: SONNET,
      estimatedInputTokens: 1,
      estimatedOutputTokens: 1,
    });
    const contentTypes = [
      'application/json\r\nx-api-key: bogus',
      'application/json\r\n\r\n{"userId":"x"}',
      `application/json; charset=${'u'.repeat(10_000)}`,
      'text/plain',
      'application/x-www-form-urlencoded',
      '\u0000',
    ];
    for (const type of contentTypes) {
      cases++;
      const { status, response } = await rawRequest(
        [
          'POST /api/cost-management/check HTTP/1.1',
          'Host: localhost',
          `x-api-key: ${TENANT_A.key}`,
          `content-type: ${type}`,
          `content-length: ${Buffer.byteLength(body)}`,
          'Connection: close',
          '',
          body,
        ].join('\r\n'),
      );
      expect(status, `${JSON.stringify(type).slice(0, 60)} → ${response.slice(0, 200)}`).toBeGreaterThan(0);
      expect(status).toBeLessThan(500);
    }
    const unauth = await rawRequest(
      [
        'POST /api/cost-management/check HTTP/1.1',
        'Host: localhost',
        `content-type: application/json\r\nx-api-key: ${TENANT_A.key.slice(0, -1)}`,
        `content-length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    expect(unauth.status).toBe(401);
  });
});

describe('path injection', () => {
  beforeAll(async () => {
    const res = await call(base, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: { requestId: 'secret-a-2', userId: 'alice', modelId: SONNET, inputTokens: 777, outputTokens: 1 },
    });
    expect([200, 201]).toContain(res.status);
  });

  it('encoded traversal never reaches another route or another tenant', async () => {
    const paths = [
      '/analytics/..%2F..%2Fexport%2Falice',
      '/analytics/..%2Fexport%2Falice%3Fformat%3Djson',
      '/analytics/%2e%2e%2fexport%2falice',
      '/projections/..%2F..%2Fexport%2Falice',
      '/export/..%2F..%2Ftenant-a%2Fexport%2Falice',
      '/export/T%23tenant-a%23U%23alice',
      '/export/alice%23tenant-a',
      '/export/alice%00',
      '/export/alice%2F..%2F..%2Falice',
      '/auto-control/status/..%2F..%2Fexport%2Falice',
      '/thresholds/..%2F..%2Fexport%2Falice',
      '/breaches/..%2F..%2Fexport%2Falice',
      '/alerting/..%2F..%2Fexport%2Falice',
      '/export/alice/..%2F..%2Fanalytics%2Falice',
    ];
    for (const path of paths) {
      for (const key of [TENANT_B.key, TENANT_A.key]) {
        cases++;
        const res = await call(base, 'GET', path, { key });
        const context = `${path} → ${res.status} ${res.text.slice(0, 200)}`;
        expect(res.status, context).toBeLessThan(500);
        if (key === TENANT_B.key) expect(res.text, context).not.toContain('secret-a');
        // Nothing answered as an export: only the route the raw path matches can answer.
        if (!path.startsWith('/export/')) expect(res.text, context).not.toContain('secret-a');
        if (res.status >= 400)
          expect((res.body as { error: { code: string } }).error.code).toBeTypeOf('string');
      }
    }
    // A literal dot-segment is normalised by the HTTP layer; it stays inside the caller's tenant.
    for (const key of [TENANT_B.key]) {
      cases++;
      const { status, response } = await rawGet('/analytics/../export/alice?format=json', [
        `x-api-key: ${key}`,
      ]);
      expect(status).toBeLessThan(500);
      expect(response).not.toContain('secret-a');
    }
  });
});

describe('cases the fuzzing found', () => {
  const usage = (requestId: string) => ({
    requestId,
    userId: 'fuzz',
    modelId: SONNET,
    inputTokens: 1,
    outputTokens: 1,
  });

  it('a tag or downgrade-map key named constructor is stored as data', async () => {
    const res = await probe('usage-api', 'POST', '/track-usage', {
      body: { ...usage('ctor-1'), tags: { constructor: 'x', __proto__: 'y', toString: 'z' } },
    });
    expect(res.status).toBe(201);
    const init = await probe('control-api', 'POST', '/auto-control/init', {
      body: { userId: 'ctor', budgetUsd: 10, downgradeMap: { constructor: SONNET } },
    });
    expect(init.status).toBeLessThan(500);
  });

  it('query keys named __proto__, toString or valueOf are plain parameters', async () => {
    for (const key of ['__proto__', 'toString', 'valueOf', 'constructor', 'hasOwnProperty']) {
      const res = await probe('usage-api', 'GET', `/analytics/fuzz?${key}=1`, {});
      expect(res.status).toBeLessThan(500);
    }
  });

  it('numbers DynamoDB cannot store (5e-324, 1e300) are refused with 400', async () => {
    for (const value of [5e-324, 1e-200]) {
      const put = await probe('alerting-api', 'PUT', `/thresholds/${thresholdId}`, {
        body: { warningPercent: value },
      });
      expect(put.status).toBe(400);
      const post = await probe('alerting-api', 'POST', '/thresholds', {
        body: { userId: 'fuzz', name: 'cap', type: 'percentage', changePercent: value },
      });
      expect(post.status).toBe(400);
      const init = await probe('control-api', 'POST', '/auto-control/init', {
        body: { userId: 'tiny', budgetUsd: 10, rules: [{ atPercent: value, action: 'throttle_light' }] },
      });
      expect(init.status).toBe(400);
    }
    for (const value of [1e300, 1e126]) {
      const init = await probe('control-api', 'POST', '/auto-control/init', {
        body: { userId: 'huge', budgetUsd: 10, rules: [{ atPercent: value, action: 'throttle_light' }] },
      });
      expect(init.status).toBe(400);
    }
  });
});

describe('number literals JSON.stringify cannot produce', () => {
  const literals = [
    '1e400',
    '-1e400',
    '123456789012345678901234567890',
    '1e-400',
    '-0',
    '1E+2',
    '0.1e1',
    '9007199254740993',
  ];

  it.each(bodyRoutes.map((r) => [r.method, r.path, r.fn] as const))(
    '%s %s: each numeric field as an extreme literal',
    async (method, template, fn) => {
      const seed = validBody(template);
      const text = JSON.stringify(seed ?? {});
      const numbers = [...text.matchAll(/"(\w+)":(-?\d+(?:\.\d+)?)/g)];
      for (const [whole, key] of numbers) {
        for (const literal of literals) {
          await probe(fn, method, concrete(template), {
            rawBody: text.replace(whole, `"${key}":${literal}`),
          });
        }
      }
    },
  );
});

describe('a batch with bad events among good ones', () => {
  it('stores exactly the events it answers 201 for', async () => {
    const seed = validBody('/track-usage') as Record<string, unknown>;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(mutated(seed), fc.constant(null)), { minLength: 1, maxLength: 25 }),
        async (raw) => {
          const events = raw.map((e) =>
            e === null
              ? { ...seed, requestId: `batch-good-${++n}` }
              : { ...(e as object), requestId: `batch-bad-${++n}` },
          );
          const before = await db.count('tokenUsage');
          const res = await probe('usage-api', 'POST', '/track-usage/batch', { body: { events } });
          const after = await db.count('tokenUsage');
          if (res.status !== 200) {
            expect(after).toBe(before);
            return;
          }
          const results = (res.body as { results: { status: number }[] }).results;
          expect(results).toHaveLength(events.length);
          for (const r of results) expect(r.status).toBeLessThan(500);
          // Each recorded event is one record, its own idempotency marker.
          expect(after - before).toBe(results.filter((r) => r.status === 201).length);
        },
      ),
      { numRuns: 40 },
    );
  });
});
