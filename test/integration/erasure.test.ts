import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasurePartsOf } from '../../lambdas/functions/erasure-parts.js';
import type { DomainEvent } from '../../lambdas/platform/events/event-publisher.js';
import { TABLES, type TableKey } from '../../lambdas/platform/tables.js';
import type { ERASURE_PARTS, ErasureParts } from '../../lambdas/privacy/ports/erasure.js';
import { requestErasure } from '../../lambdas/privacy/use-cases/request-erasure.js';
import { type RunErasureDeps, runErasure } from '../../lambdas/privacy/use-cases/run-erasure.js';
import { erasureStore, retentionPolicy } from '../../lambdas/privacy/wiring.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime } from '../support/runtime.js';

/**
 * Erasure end to end: the local runtime over HTTP, DynamoDB Local, the erasure function behind the
 * in-process event bus and the sweep that resumes jobs left open.
 */
type Item = Record<string, unknown>;
type Erasure = {
  erasureId: string;
  userId: string;
  status: string;
  requestedAt: string;
  completedAt: string | null;
};

const KEYS = {
  a: 'erase-admin-a',
  aViewer: 'erase-viewer-a',
  aIngest: 'erase-ingest-a',
  b: 'erase-admin-b',
  c: 'erase-admin-c',
  d: 'erase-admin-d',
};
const TENANT = { a: 'tenant-ea', b: 'tenant-eb', c: 'tenant-ec', d: 'tenant-ed' };
/** Random, so a scan of every table finds this user's items and no other test's. */
const USER = `erase-me-${randomBytes(4).toString('hex')}`;
const OTHER = `keep-${randomBytes(4).toString('hex')}`;
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const NO_PRICE = 'acme.erasure-test-model';

/** The tables that hold data of a seeded user before the erasure. */
const USER_TABLES: TableKey[] = [
  'tokenUsage',
  'tokenAnalytics',
  'costThresholds',
  'thresholdBreaches',
  'alertingConfig',
  'autoControlConfig',
  'controlActions',
  'analyticsCache',
  'usagePatterns',
  // Audit entries of the configuration changes that named the user (contacts, control, thresholds).
  'dataProtection',
];

let runtime: LocalRuntime;
let api: string;
let db: ReturnType<typeof tables>;
let seq = 0;

beforeAll(async () => {
  // Every open job is due at once, so a sweep resumes it.
  process.env.ERASURE_RESUME_AFTER_SECONDS = '0';
  runtime = await startTestRuntime({
    apiKeys: [
      `${TENANT.a}:${KEYS.a}`,
      `${TENANT.a}:${KEYS.aViewer}:viewer`,
      `${TENANT.a}:${KEYS.aIngest}:ingest`,
      `${TENANT.b}:${KEYS.b}`,
      `${TENANT.c}:${KEYS.c}`,
      `${TENANT.d}:${KEYS.d}`,
    ].join(','),
  });
  api = runtime.apiBase;
  db = tables();
  await seed(KEYS.a, USER);
  await seed(KEYS.a, OTHER);
  await seed(KEYS.b, USER);
  await runtime.alerting.bus.idle();
});
afterAll(async () => {
  await runtime?.close();
});

async function ok<T>(res: Promise<{ status: number; body: T; text: string }>, status?: number): Promise<T> {
  const r = await res;
  if (status !== undefined) expect(r.status, r.text).toBe(status);
  else expect(r.status, r.text).toBeLessThan(300);
  return r.body;
}

/**
 * Data of `userId` in every table that can hold it: contacts, two thresholds (one in another zone,
 * so a zone period total exists), cost control with a hard budget and a reservation, usage on three
 * days and two models (crossing the thresholds and the budget: breaches and control actions), usage
 * of a model without a price, and analytics read once (cached result and usage pattern).
 */
async function seed(key: string, userId: string) {
  await ok(call(api, 'PUT', `/alerting/${userId}`, { key, body: { email: 'person@example.com' } }));
  await ok(call(api, 'POST', '/thresholds', { key, body: { userId, limitUsd: 0.5, channels: ['email'] } }));
  await ok(
    call(api, 'POST', '/thresholds', { key, body: { userId, limitUsd: 1000, timezone: 'Europe/Berlin' } }),
  );
  await ok(
    call(api, 'POST', '/auto-control/init', {
      key,
      body: { userId, budgetUsd: 1, period: 'monthly', hardLimit: true },
    }),
  );
  await ok(
    call(api, 'POST', '/check', {
      key,
      body: { userId, modelId: SONNET, estimatedInputTokens: 1000, estimatedOutputTokens: 100 },
    }),
  );
  const now = Date.now();
  for (const daysAgo of [0, 1, 2]) {
    for (const modelId of [SONNET, HAIKU]) {
      await ok(
        call(api, 'POST', '/track-usage', {
          key,
          body: {
            requestId: `er-${++seq}`,
            userId,
            modelId,
            inputTokens: 100_000 + seq,
            outputTokens: 10_000,
            operation: daysAgo === 1 ? 'summarise' : 'chat',
            timestamp: new Date(now - daysAgo * 86_400_000 - 60_000).toISOString(),
          },
        }),
        201,
      );
    }
  }
  await ok(
    call(api, 'POST', '/track-usage', {
      key,
      body: { requestId: `er-${++seq}`, userId, modelId: NO_PRICE, inputTokens: 500, outputTokens: 50 },
    }),
    201,
  );
  await ok(call(api, 'GET', `/analytics/${userId}`, { key }));
}

/** Every item of every table of the service. */
async function scanAll(): Promise<Map<TableKey, Item[]>> {
  const out = new Map<TableKey, Item[]>();
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const res = await db.client.send(
        new ScanCommand({ TableName: db.name(key), ExclusiveStartKey: start }),
      );
      items.push(...((res.Items ?? []) as Item[]));
      start = res.LastEvaluatedKey as Item | undefined;
    } while (start);
    out.set(key, items);
  }
  return out;
}

/** The tenant an item belongs to: its key's tenant, or its `tenantId` in a reserved partition. */
function tenantOf(item: Item): string {
  const pk = String(item.pk);
  if (pk.startsWith('T#_')) return String(item.tenantId ?? '');
  return pk.slice(2).split('#')[0] ?? '';
}

/** Items of `tenant` with `text` in any attribute value, by table. */
function itemsNaming(all: Map<TableKey, Item[]>, tenant: string, text: string): Map<TableKey, Item[]> {
  const out = new Map<TableKey, Item[]>();
  for (const [table, items] of all) {
    const found = items.filter((item) => tenantOf(item) === tenant && JSON.stringify(item).includes(text));
    if (found.length > 0) out.set(table, found);
  }
  return out;
}

const tenantItems = (all: Map<TableKey, Item[]>, tenant: string) =>
  [...all].flatMap(([table, items]) =>
    items.filter((item) => tenantOf(item) === tenant).map((item) => ({ table, item })),
  );

/** Sums of every counter over all of a tenant's aggregates, by day or period and counter (model, operation, total). */
function tenantTotals(all: Map<TableKey, Item[]>, tenant: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const item of all.get('tokenAnalytics') ?? []) {
    if (!String(item.pk).startsWith(`T#${tenant}#U#`)) continue;
    for (const [name, value] of Object.entries(item)) {
      if (typeof value !== 'number') continue;
      const key = `${String(item.sk)} ${name}`;
      sums[key] = (sums[key] ?? 0) + value;
    }
  }
  return sums;
}

/** One user's aggregate items, as sk → counters. */
function aggregatesOf(all: Map<TableKey, Item[]>, pk: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const item of all.get('tokenAnalytics') ?? []) {
    if (item.pk !== pk) continue;
    out[String(item.sk)] = Object.fromEntries(
      Object.entries(item).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
    );
  }
  return out;
}

/** The pseudonym partitions of a tenant's aggregates (user ids no API call can carry). */
const pseudonymPks = (all: Map<TableKey, Item[]>, tenant: string) => [
  ...new Set(
    (all.get('tokenAnalytics') ?? [])
      .map((item) => String(item.pk))
      .filter((pk) => pk.startsWith(`T#${tenant}#U#~`)),
  ),
];

const unpricedOf = async (key: string) =>
  (
    await ok(
      call<{ items: { modelId: string; events: number; lastSeen: string }[] }>(api, 'GET', '/unpriced', {
        key,
      }),
    )
  ).items;

async function erase(key: string, userId: string): Promise<Erasure> {
  return ok(call<Erasure>(api, 'DELETE', `/users/${userId}`, { key }), 202);
}

/** After an erasure: nothing of the tenant names the user but the erasure records, and only by their `userId`. */
function expectErased(all: Map<TableKey, Item[]>, tenant: string, erasureIds: string[]) {
  const left = itemsNaming(all, tenant, USER);
  // Nor does anything outside the test's tenants (a service-wide row, an item without a tenant).
  const tenants = new Set(Object.values(TENANT));
  const stray = [...all].flatMap(([table, items]) =>
    items
      .filter((item) => !tenants.has(tenantOf(item)) && JSON.stringify(item).includes(USER))
      .map((item) => `${table} ${String(item.pk)} ${String(item.sk)}`),
  );
  expect(stray).toEqual([]);
  expect([...left.keys()]).toEqual(['dataProtection']);
  const records = left.get('dataProtection') ?? [];
  expect(records.map((r) => r.sk).sort()).toEqual(erasureIds.map((id) => `E#${id}`).sort());
  for (const { userId: _named, ...rest } of records) expect(JSON.stringify(rest)).not.toContain(USER);
}

describe('DELETE /users/{userId}', () => {
  let before: Map<TableKey, Item[]>;
  let first: Erasure;

  it('erases every item of the user in every table while the tenant totals stay exact', async () => {
    before = await scanAll();
    // The seed reached every table that holds a user's data, in both tenants.
    expect([...itemsNaming(before, TENANT.a, USER).keys()].sort()).toEqual([...USER_TABLES].sort());
    expect([...itemsNaming(before, TENANT.b, USER).keys()].sort()).toEqual([...USER_TABLES].sort());
    const unpricedBefore = await unpricedOf(KEYS.a);
    expect(unpricedBefore).toEqual([expect.objectContaining({ modelId: NO_PRICE, events: 2 })]);

    first = await erase(KEYS.a, USER);
    expect(first).toEqual({
      erasureId: expect.any(String),
      userId: USER,
      status: 'pending',
      requestedAt: expect.any(String),
      completedAt: null,
    });
    await runtime.alerting.bus.idle();
    const done = await ok(call<Erasure>(api, 'GET', `/erasures/${first.erasureId}`, { key: KEYS.a }));
    expect(done).toMatchObject({ erasureId: first.erasureId, userId: USER, status: 'completed' });
    expect(Date.parse(done.completedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(first.requestedAt));

    const after = await scanAll();
    expectErased(after, TENANT.a, [first.erasureId]);
    // Tenant totals per day, period, model and operation: exact to the nano-dollar and token.
    expect(tenantTotals(after, TENANT.a)).toEqual(tenantTotals(before, TENANT.a));
    // The user's aggregates moved once, whole, to one pseudonym.
    const pseudonyms = pseudonymPks(after, TENANT.a);
    expect(pseudonyms).toHaveLength(1);
    expect(aggregatesOf(after, pseudonyms[0] as string)).toEqual(
      aggregatesOf(before, `T#${TENANT.a}#U#${USER}`),
    );
    // The pseudonym is not kept with the job.
    const job = (after.get('dataProtection') ?? []).find((i) => i.sk === `E#${first.erasureId}`);
    console.info(
      `erasure: ${[...itemsNaming(before, TENANT.a, USER).values()].flat().length} items of the user, ` +
        `requested → completed in ${Date.parse(done.completedAt ?? '') - Date.parse(first.requestedAt)} ms, ` +
        `per part ${JSON.stringify(job?.erased)}`,
    );
    expect(job?.pseudonym).toBeUndefined();
    expect(JSON.stringify(after.get('dataProtection'))).not.toContain(pseudonyms[0]?.split('#U#')[1]);
    // The completed record expires with the history retention (730 days by default).
    expect(Number(job?.expiresAt)).toBeGreaterThan(Date.now() / 1000 + 729 * 86_400);
    // The unpriced summary counts only what remains: the other user's event, seen once.
    const unpricedAfter = await unpricedOf(KEYS.a);
    expect(unpricedAfter).toEqual([
      {
        ...unpricedBefore[0],
        events: 1,
        inputTokens: 500,
        outputTokens: 50,
        firstSeen: unpricedBefore[0]?.lastSeen,
      },
    ]);
    // The other user of the tenant and the same user id in another tenant are untouched.
    const otherBefore = tenantItems(before, TENANT.a).filter(({ item }) =>
      JSON.stringify(item).includes(OTHER),
    );
    const otherAfter = tenantItems(after, TENANT.a).filter(({ item }) =>
      JSON.stringify(item).includes(OTHER),
    );
    expect(otherAfter.length).toBeGreaterThan(10);
    expect(otherAfter).toEqual(otherBefore);
    expect(tenantItems(after, TENANT.b)).toEqual(tenantItems(before, TENANT.b));
  });

  it('answers the same erasure again, and records one audit entry that names no personal data', async () => {
    const again = await erase(KEYS.a, USER);
    expect(again).toMatchObject({ erasureId: first.erasureId, status: 'completed' });
    const audit = await ok(
      call<{ items: { action: string; target: string; actor: { tenant: string; keyId: string | null } }[] }>(
        api,
        'GET',
        '/audit',
        { key: KEYS.a },
      ),
    );
    const entries = audit.items.filter((e) => e.action === 'user.erase');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ target: first.erasureId, actor: { tenant: TENANT.a } });
    expect(entries[0]?.actor.keyId).toMatch(/\S/);
    expect(JSON.stringify(audit)).not.toContain(USER);
  });

  it('lets new usage of the same user id start fresh, and erases that too', async () => {
    await ok(
      call(api, 'POST', '/track-usage', {
        key: KEYS.a,
        body: {
          requestId: `er-${++seq}`,
          userId: USER,
          modelId: HAIKU,
          inputTokens: 1000,
          outputTokens: 100,
        },
      }),
      201,
    );
    const analytics = await ok(
      call<{ totals: { requests: number } }>(api, 'GET', `/analytics/${USER}`, { key: KEYS.a }),
    );
    expect(analytics.totals.requests).toBe(1);
    expect(
      (await ok(call<{ items: unknown[] }>(api, 'GET', `/thresholds/${USER}`, { key: KEYS.a }))).items,
    ).toEqual([]);
    expect((await call(api, 'GET', `/alerting/${USER}`, { key: KEYS.a })).status).toBe(404);

    // The user has data again: a new erasure.
    const second = await erase(KEYS.a, USER);
    expect(second.erasureId).not.toBe(first.erasureId);
    expect(second.status).toBe('pending');
    await runtime.alerting.bus.idle();
    expect(
      await ok(call<Erasure>(api, 'GET', `/erasures/${second.erasureId}`, { key: KEYS.a })),
    ).toMatchObject({
      status: 'completed',
    });
    expectErased(await scanAll(), TENANT.a, [first.erasureId, second.erasureId]);
  });

  it('answers concurrent requests for one user with one erasure', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => erase(KEYS.b, USER)));
    expect(new Set(answers.map((a) => a.erasureId)).size).toBe(1);
    await runtime.alerting.bus.idle();
    const audit = await ok(
      call<{ items: { action: string; target: string }[] }>(api, 'GET', '/audit', { key: KEYS.b }),
    );
    expect(audit.items.filter((e) => e.action === 'user.erase').map((e) => e.target)).toEqual([
      answers[0]?.erasureId,
    ]);
    expectErased(await scanAll(), TENANT.b, [answers[0]?.erasureId as string]);
  });

  it('refuses other roles and bad ids, stores nothing for them, and hides other tenants’ erasures', async () => {
    const jobs = async () => (await scanAll()).get('dataProtection')?.length;
    const stored = await jobs();
    for (const key of [KEYS.aViewer, KEYS.aIngest]) {
      const res = await call<{ error: { code: string } }>(api, 'DELETE', `/users/${OTHER}`, { key });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect((await call(api, 'GET', `/erasures/${first.erasureId}`, { key: KEYS.aViewer })).status).toBe(403);
    const bad = await call<{ error: { details: { path: string }[] } }>(api, 'DELETE', '/users/bad%23id', {
      key: KEYS.a,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path)).toEqual(['userId']);
    expect(await jobs()).toBe(stored);
    // Another tenant's erasure id and an unknown one are both 404.
    expect((await call(api, 'GET', `/erasures/${first.erasureId}`, { key: KEYS.b })).status).toBe(404);
    expect((await call(api, 'GET', '/erasures/no-such-erasure', { key: KEYS.a })).status).toBe(404);
    expect((await call(api, 'GET', '/erasures/bad%23id', { key: KEYS.a })).status).toBe(400);
  });
});

describe('an erasure interrupted by a crash', () => {
  const env = process.env as unknown as Parameters<typeof erasurePartsOf>[0] & {
    DATA_PROTECTION_TABLE: string;
  };
  const noBus = {
    published: [] as DomainEvent[],
    publish: async (e: readonly DomainEvent[]) => void noBus.published.push(...e),
  };
  const deps = (parts: ErasureParts, leaseMs = 60_000): RunErasureDeps => ({
    store: erasureStore(env),
    parts,
    publisher: noBus,
    historyDays: async (t) => (await retentionPolicy(env).retentionOf(t)).historyDays,
    leaseMs,
    now: () => Date.now(),
  });
  /** The parts, with `fault` in place of the `nth` call of part `at`. */
  function failingAt(
    at: (typeof ERASURE_PARTS)[number],
    nth: number,
    fault: () => Promise<number>,
  ): ErasureParts {
    const parts = erasurePartsOf(env);
    let calls = 0;
    return {
      ...parts,
      [at]: {
        holds: parts[at].holds,
        erase: (t: string, u: string, p: string) => (++calls === nth ? fault() : parts[at].erase(t, u, p)),
      },
    };
  }
  const request = async (tenant: string) =>
    requestErasure(
      { store: erasureStore(env), holders: erasurePartsOf(env), publisher: noBus },
      { tenant, keyId: 'test' },
      USER,
      new Date(),
    );

  async function expectResumedToTheSameEnd(
    tenant: string,
    key: string,
    before: Map<TableKey, Item[]>,
    erasureId: string,
  ) {
    const job = await erasureStore(env).get(tenant, erasureId);
    expect(job?.status).toBe('running');
    const pseudonym = job?.pseudonym as string;
    expect(pseudonym).toMatch(/^~[0-9a-f]{32}$/);
    // The sweep puts the open job on the bus again; the erasure function takes it up where it stopped.
    const swept = await ok(
      call<{ erasuresResumed: number }>(runtime.url, 'POST', '/_local/sweep', { key: null }),
    );
    expect(swept.erasuresResumed).toBeGreaterThanOrEqual(1);
    await runtime.alerting.bus.idle();
    expect(await ok(call<Erasure>(api, 'GET', `/erasures/${erasureId}`, { key }))).toMatchObject({
      status: 'completed',
    });
    const after = await scanAll();
    expectErased(after, tenant, [erasureId]);
    expect(tenantTotals(after, tenant)).toEqual(tenantTotals(before, tenant));
    // Resumed with the same pseudonym, and nothing moved twice.
    expect(pseudonymPks(after, tenant)).toEqual([`T#${tenant}#U#${pseudonym}`]);
    expect(aggregatesOf(after, `T#${tenant}#U#${pseudonym}`)).toEqual(
      aggregatesOf(before, `T#${tenant}#U#${USER}`),
    );
    expect(await unpricedOf(key)).toEqual([]);
  }

  it('leaves a running job after a failure part-way, which a resume completes', async () => {
    await seed(KEYS.c, USER);
    await runtime.alerting.bus.idle();
    const before = await scanAll();
    const job = await request(TENANT.c);
    const crash = failingAt('alerting.contacts', 1, async () => {
      throw new Error('injected crash');
    });
    await expect(runErasure(deps(crash), TENANT.c, job.erasureId, Date.now() + 60_000)).rejects.toThrow(
      'injected crash',
    );
    // Three parts done (records, thresholds, breaches); contacts and aggregates still there.
    const mid = await scanAll();
    expect([...itemsNaming(mid, TENANT.c, USER).keys()].sort()).toEqual(
      [
        'alertingConfig',
        'autoControlConfig',
        'controlActions',
        'tokenAnalytics',
        'analyticsCache',
        'usagePatterns',
        'dataProtection',
      ].sort(),
    );
    expect((await erasureStore(env).get(TENANT.c, job.erasureId))?.step).toBe(3);
    await expectResumedToTheSameEnd(TENANT.c, KEYS.c, before, job.erasureId);
  });

  it('takes over from a run that died after moving the aggregates, once its lease expired', async () => {
    await seed(KEYS.d, USER);
    await runtime.alerting.bus.idle();
    const before = await scanAll();
    const job = await request(TENANT.d);
    // The second batch of the move never returns: the run hangs as a dead process would, lease held.
    const hang = failingAt('usage.aggregates', 2, () => new Promise<number>(() => undefined));
    void runErasure(deps(hang, 300), TENANT.d, job.erasureId, Date.now() + 60_000);
    await expect
      .poll(async () => Object.keys(aggregatesOf(await scanAll(), `T#${TENANT.d}#U#${USER}`)).length, {
        timeout: 10_000,
      })
      .toBe(0);
    // A request meanwhile answers the running erasure.
    expect((await erase(KEYS.d, USER)).erasureId).toBe(job.erasureId);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expectResumedToTheSameEnd(TENANT.d, KEYS.d, before, job.erasureId);
  });
});
