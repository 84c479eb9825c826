import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userPk } from '../../lambdas/platform/keys.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { backfillIndexes } from '../../scripts/index-backfill.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const OPUS = 'anthropic.claude-3-opus-20240229-v1:0';
let runtime: LocalRuntime;
let api: string;

interface TenantUser {
  userId: string;
  costUsd: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  controlLevel: string | null;
  openBreaches: number;
}
interface UsersPage {
  items: TenantUser[];
  nextCursor: string | null;
}
interface BreachItem {
  breachId: string;
  userId: string;
  level: string;
  status: string;
  detectedAt: string;
}
interface BreachPage {
  items: BreachItem[];
  nextCursor: string | null;
}

const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);

function event(requestId: string, userId: string, modelId: string, offset: number, inputTokens = 1000) {
  return {
    requestId,
    userId,
    modelId,
    inputTokens,
    outputTokens: 100,
    timestamp: `${day(offset)}T10:00:00Z`,
  };
}

async function track(key: string, events: unknown[]): Promise<void> {
  for (let i = 0; i < events.length; i += 25) {
    const res = await call<{ results: { status: number }[] }>(api, 'POST', '/track-usage/batch', {
      key,
      body: { events: events.slice(i, i + 25) },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.every((r) => r.status === 201)).toBe(true);
  }
}

/** Every page of a list, following `nextCursor`. */
async function allPages<P extends { nextCursor: string | null; items: unknown[] }>(
  path: string,
  key: string,
): Promise<{ pages: P[]; items: P['items'] }> {
  const pages: P[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; text: string; body: P } = await call<P>(
      api,
      'GET',
      `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
      { key },
    );
    expect(res.status, res.text).toBe(200);
    pages.push(res.body);
    cursor = res.body.nextCursor;
  } while (cursor && pages.length < 50);
  return { pages, items: pages.flatMap((p) => p.items) };
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
  // Tenant A: opus-heavy carol, two users with the very same spend (a tie), a small dave, and
  // erin whose only usage is 20 days ago. Tenant B: one user that spends more than anyone in A.
  const events = [
    ...[1, 2, 3].map((d) => event(`carol-${d}`, 'carol', OPUS, d)),
    ...[1, 2].map((d) => event(`tie-b-${d}`, 'tie-b', HAIKU, d)),
    ...[1, 2].map((d) => event(`tie-a-${d}`, 'tie-a', HAIKU, d)),
    event('dave-1', 'dave', HAIKU, 1, 10),
    event('erin-20', 'erin', OPUS, 20),
  ];
  await track(TENANT_A.key, events);
  await track(TENANT_B.key, [event('big-1', 'bigspender', OPUS, 1, 500_000)]);
  // carol is under cost control with a budget she is past (her level rises on the next event).
  const init = await call(api, 'POST', '/auto-control/init', {
    key: TENANT_A.key,
    body: { userId: 'carol', budgetUsd: 0.01, period: 'monthly' },
  });
  expect(init.status).toBe(201);
  // Thresholds crossed today: carol's at every level at once, dave's at warning and critical.
  for (const [userId, limitUsd] of [
    ['carol', 0.001],
    ['dave', 0.0003],
  ] as const) {
    const res = await call(api, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: { userId, name: `${userId} cap`, limitUsd, period: 'daily' },
    });
    expect(res.status).toBe(201);
  }
  await track(TENANT_A.key, [
    { ...event('carol-now', 'carol', OPUS, 0), timestamp: new Date().toISOString() },
    { ...event('dave-now', 'dave', HAIKU, 0, 1000), timestamp: new Date(Date.now() + 1).toISOString() },
  ]);
  await runtime.alerting.sweep();
}, 120_000);

afterAll(async () => {
  await runtime?.close();
});

describe('GET /users', () => {
  it('lists the users of the range by spend, descending, ties by user id, with totals', async () => {
    const res = await call<UsersPage>(api, 'GET', `/users?from=${day(5)}&to=${day(1)}`, {
      key: TENANT_A.key,
    });
    expect(res.status).toBe(200);
    expect(res.body.items.map((u) => u.userId)).toEqual(['carol', 'tie-a', 'tie-b', 'dave']);
    expect(res.body.nextCursor).toBeNull();
    const [carol, tieA, tieB, dave] = res.body.items as [TenantUser, TenantUser, TenantUser, TenantUser];
    // Opus: 1000 x $15 + 100 x $75 per MTok = $0.0225 a call; Haiku: 1000 x $0.25 + 100 x $1.25 = $0.000375.
    expect(carol).toMatchObject({ costUsd: 0.0675, requests: 3, inputTokens: 3000, outputTokens: 300 });
    expect(tieA).toMatchObject({ costUsd: 0.00075, requests: 2 });
    expect(tieB.costUsd).toBe(tieA.costUsd);
    expect(dave).toMatchObject({ requests: 1, inputTokens: 10, outputTokens: 100 });
  });

  it('counts only the days of the range', async () => {
    const old = await call<UsersPage>(api, 'GET', `/users?from=${day(25)}&to=${day(15)}`, {
      key: TENANT_A.key,
    });
    expect(old.body.items.map((u) => [u.userId, u.costUsd])).toEqual([['erin', 0.0225]]);
    const oneDay = await call<UsersPage>(api, 'GET', `/users?from=${day(3)}&to=${day(3)}`, {
      key: TENANT_A.key,
    });
    expect(oneDay.body.items.map((u) => [u.userId, u.requests])).toEqual([['carol', 1]]);
    // The default range is the last 30 days up to today: today's events and erin's count.
    const recent = await call<UsersPage>(api, 'GET', '/users', { key: TENANT_A.key });
    expect(recent.body.items.map((u) => u.userId)).toEqual(['carol', 'erin', 'tie-a', 'tie-b', 'dave']);
    expect(recent.body.items[0]?.requests).toBe(4);
  });

  it('names the control level and the open breaches of each user', async () => {
    const res = await call<UsersPage>(api, 'GET', '/users', { key: TENANT_A.key });
    const by = new Map(res.body.items.map((u) => [u.userId, u]));
    expect(by.get('carol')?.controlLevel).not.toBeNull();
    expect(by.get('carol')?.controlLevel).not.toBe('normal');
    expect(by.get('carol')?.openBreaches).toBe(3);
    expect(by.get('dave')).toMatchObject({ controlLevel: null, openBreaches: 2 });
    expect(by.get('erin')).toMatchObject({ controlLevel: null, openBreaches: 0 });
  });

  it('pages through the same order with a cursor, each user once', async () => {
    const whole = await call<UsersPage>(api, 'GET', '/users', { key: TENANT_A.key });
    const { pages, items } = await allPages<UsersPage>('/users?limit=2', TENANT_A.key);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    expect(items).toEqual(whole.body.items);
  });

  it('keeps tenants apart and refuses a cursor of another tenant or range with 400', async () => {
    const b = await call<UsersPage>(api, 'GET', '/users', { key: TENANT_B.key });
    expect(b.body.items.map((u) => u.userId)).toEqual(['bigspender']);
    const a = await call<UsersPage>(api, 'GET', '/users?limit=1', { key: TENANT_A.key });
    expect(a.body.items.map((u) => u.userId)).toEqual(['carol']);
    const cursor = encodeURIComponent(a.body.nextCursor as string);
    const stolen = await call<{ error: { code: string; details: { path: string }[] } }>(
      api,
      'GET',
      `/users?limit=1&cursor=${cursor}`,
      { key: TENANT_B.key },
    );
    expect(stolen.status).toBe(400);
    expect(stolen.body.error.code).toBe('VALIDATION_ERROR');
    expect(stolen.body.error.details[0]?.path).toBe('cursor');
    const otherRange = await call(api, 'GET', `/users?from=${day(5)}&to=${day(1)}&cursor=${cursor}`, {
      key: TENANT_A.key,
    });
    expect(otherRange.status).toBe(400);
    const tampered = await call(api, 'GET', '/users?cursor=bm90LWEtY3Vyc29y', { key: TENANT_A.key });
    expect(tampered.status).toBe(400);
  });

  it('refuses bad queries with 400 naming the field', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['from=2026-13-01', 'from'],
      [`from=${day(1)}&to=${day(3)}`, 'from'],
      ['colour=blue', ''],
    ] as const) {
      const res = await call<{ error: { code: string; details?: { path: string }[] } }>(
        api,
        'GET',
        `/users?${query}`,
        { key: TENANT_A.key },
      );
      expect(res.status, query).toBe(400);
      if (field)
        expect(
          res.body.error.details?.map((d) => d.path),
          query,
        ).toContain(field);
    }
  });
});

describe('GET /breaches', () => {
  it('lists the breaches of every user, newest first, by status', async () => {
    const open = await call<BreachPage>(api, 'GET', '/breaches?status=open', { key: TENANT_A.key });
    expect(open.status).toBe(200);
    expect(open.body.items).toHaveLength(5);
    expect(new Set(open.body.items.map((b) => b.userId))).toEqual(new Set(['carol', 'dave']));
    expect(open.body.items.every((b) => b.status === 'open')).toBe(true);
    const order = open.body.items.map((b) => `${b.detectedAt}#${b.breachId}`);
    expect(order).toEqual([...order].sort().reverse());
    // The same items as the per-user list.
    const carol = await call<{ items: BreachItem[] }>(api, 'GET', '/breaches/carol?status=open', {
      key: TENANT_A.key,
    });
    expect(open.body.items.filter((b) => b.userId === 'carol')).toEqual(
      expect.arrayContaining(carol.body.items),
    );
    const none = await call<BreachPage>(api, 'GET', '/breaches?status=resolved', { key: TENANT_A.key });
    expect(none.body).toEqual({ items: [], nextCursor: null });
    const other = await call<BreachPage>(api, 'GET', '/breaches', { key: TENANT_B.key });
    expect(other.body).toEqual({ items: [], nextCursor: null });
  });

  it('moves an acknowledged breach to its status and pages across statuses', async () => {
    const open = await call<BreachPage>(api, 'GET', '/breaches?status=open', { key: TENANT_A.key });
    const target = open.body.items.find((b) => b.userId === 'dave') as BreachItem;
    const ack = await call(api, 'POST', `/breaches/${target.breachId}/acknowledge`, { key: TENANT_A.key });
    expect(ack.status).toBe(200);
    const acknowledged = await call<BreachPage>(api, 'GET', '/breaches?status=acknowledged', {
      key: TENANT_A.key,
    });
    expect(acknowledged.body.items.map((b) => b.breachId)).toEqual([target.breachId]);
    const stillOpen = await call<BreachPage>(api, 'GET', '/breaches?status=open', { key: TENANT_A.key });
    expect(stillOpen.body.items.map((b) => b.breachId)).not.toContain(target.breachId);

    const all = await call<BreachPage>(api, 'GET', '/breaches', { key: TENANT_A.key });
    expect(all.body.items).toHaveLength(5);
    const { pages, items } = await allPages<BreachPage>('/breaches?limit=2', TENANT_A.key);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(items).toEqual(all.body.items);
  });

  it('refuses a cursor of another tenant or another status filter with 400', async () => {
    const first = await call<BreachPage>(api, 'GET', '/breaches?status=open&limit=1', {
      key: TENANT_A.key,
    });
    const cursor = encodeURIComponent(first.body.nextCursor as string);
    const stolen = await call<{ error: { details: { path: string }[] } }>(
      api,
      'GET',
      `/breaches?status=open&limit=1&cursor=${cursor}`,
      { key: TENANT_B.key },
    );
    expect(stolen.status).toBe(400);
    expect(stolen.body.error.details[0]?.path).toBe('cursor');
    expect((await call(api, 'GET', `/breaches?cursor=${cursor}`, { key: TENANT_A.key })).status).toBe(400);
    expect((await call(api, 'GET', '/breaches?status=closed', { key: TENANT_A.key })).status).toBe(400);
  });
});

describe('items written before the indexes existed', () => {
  it('are listed once the backfill gave them their index keys, and only once', async () => {
    const db = tables();
    // A day item and a resolved breach as an older version wrote them: no index keys.
    await db.client.send(
      new PutCommand({
        TableName: db.name('tokenAnalytics'),
        Item: {
          pk: userPk(TENANT_A.tenant, 'legacy'),
          sk: `D#${day(8)}`,
          costNano: 5_000_000_000,
          requests: 2,
          inputTokens: 10,
          outputTokens: 20,
        },
      }),
    );
    const open = await call<BreachPage>(api, 'GET', '/breaches?status=open&limit=1', { key: TENANT_A.key });
    const model = (await db.get(
      'thresholdBreaches',
      `T#${TENANT_A.tenant}`,
      `B#${open.body.items[0]?.breachId}`,
    )) as Record<string, unknown> | undefined;
    expect(model).toBeDefined();
    const { gsi3pk: _pk, gsi3sk: _sk, ...older } = model as Record<string, unknown>;
    await db.client.send(
      new PutCommand({
        TableName: db.name('thresholdBreaches'),
        Item: {
          ...older,
          sk: 'B#legacy.2026-01.warning',
          breachId: 'legacy.2026-01.warning',
          status: 'resolved',
          detectedAt: '2026-01-05T10:00:00.000Z',
        },
      }),
    );
    const range = `/users?from=${day(9)}&to=${day(7)}`;
    expect((await call<UsersPage>(api, 'GET', range, { key: TENANT_A.key })).body.items).toEqual([]);
    expect(
      (await call<BreachPage>(api, 'GET', '/breaches?status=resolved', { key: TENANT_A.key })).body.items,
    ).toEqual([]);

    const names = { analytics: db.name('tokenAnalytics'), breaches: db.name('thresholdBreaches') };
    expect(await backfillIndexes(names)).toEqual({ dayItems: 1, breaches: 1 });
    const users = await call<UsersPage>(api, 'GET', range, { key: TENANT_A.key });
    expect(users.body.items).toEqual([
      {
        userId: 'legacy',
        costUsd: 5,
        requests: 2,
        inputTokens: 10,
        outputTokens: 20,
        controlLevel: null,
        openBreaches: 0,
      },
    ]);
    const resolved = await call<BreachPage>(api, 'GET', '/breaches?status=resolved', { key: TENANT_A.key });
    expect(resolved.body.items.map((b) => b.breachId)).toEqual(['legacy.2026-01.warning']);
    // Everything has its keys now: a second run indexes nothing.
    expect(await backfillIndexes(names)).toEqual({ dayItems: 0, breaches: 0 });
  });
});
