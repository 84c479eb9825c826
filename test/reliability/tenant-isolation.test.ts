import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES, type TableKey } from '../../lambdas/platform/tables.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { type ApiResponse, call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

/**
 * Every route with an id or user path parameter, tried by tenant B with tenant A's ids and user:
 * B gets 404 or an empty/zero answer, and nothing of A's changes.
 */

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const USER = 'alice';

let runtime: LocalRuntime;
let base: string;
let db: ReturnType<typeof tables>;
const ids = { thresholdId: '', breachId: '', actionId: '' };

const asA = <T = unknown>(method: string, path: string, body?: unknown) =>
  call<T>(base, method, path, { key: TENANT_A.key, ...(body !== undefined ? { body } : {}) });
const asB = <T = unknown>(method: string, path: string, body?: unknown) =>
  call<T>(base, method, path, { key: TENANT_B.key, ...(body !== undefined ? { body } : {}) });

/** Everything tenant A can see about its user, to compare before and after B's attempts. */
async function viewOfA() {
  const paths = [
    `/thresholds/${USER}`,
    `/breaches/${USER}`,
    `/alerting/${USER}`,
    `/auto-control/actions/${USER}`,
    `/export/${USER}?format=json`,
  ];
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const res = await asA('GET', path);
    expect(res.status, path).toBe(200);
    out[path] = res.body;
  }
  const status = await asA<Record<string, unknown>>('GET', `/auto-control/status/${USER}`);
  out.status = { level: status.body.level, spendUsd: status.body.spendUsd, budgetUsd: status.body.budgetUsd };
  const analytics = await asA<{ totals: unknown }>('GET', `/analytics/${USER}`);
  out.analytics = analytics.body.totals;
  return out;
}

/** Every item of tenant A in every table (partition keys start with `T#<tenant>`). */
async function itemsOfA(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await db.client.send(
        new ScanCommand({
          TableName: db.name(key),
          FilterExpression: 'begins_with(pk, :tenant)',
          ExpressionAttributeValues: { ':tenant': `T#${TENANT_A.tenant}` },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start);
    out[key] = items.sort((a, b) => (`${a.pk}${a.sk}` < `${b.pk}${b.sk}` ? -1 : 1));
  }
  return out;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  base = runtime.apiBase;
  db = tables();
  expect(
    (
      await asA('PUT', `/alerting/${USER}`, {
        email: 'alice@example.com',
        phone: '+4915112345678',
      })
    ).status,
  ).toBe(200);
  const threshold = await asA<{ thresholdId: string }>('POST', '/thresholds', {
    userId: USER,
    name: 'cap',
    limitUsd: 0.01,
    channels: ['email'],
  });
  expect(threshold.status).toBe(201);
  ids.thresholdId = threshold.body.thresholdId;
  expect((await asA('POST', '/auto-control/init', { userId: USER, budgetUsd: 0.01 })).status).toBe(201);
  for (let i = 0; i < 3; i++) {
    const res = await asA('POST', '/track-usage', {
      requestId: `iso-${i}`,
      userId: USER,
      modelId: SONNET,
      inputTokens: 2000,
      outputTokens: 0,
    });
    expect(res.status).toBe(201);
  }
  await runtime.alerting.bus.idle();
  const breaches = await asA<{ items: { breachId: string }[] }>('GET', `/breaches/${USER}`);
  ids.breachId = breaches.body.items[0]?.breachId ?? '';
  const status = await asA<{ level: string; activeActions: { actionId: string }[] }>(
    'GET',
    `/auto-control/status/${USER}`,
  );
  ids.actionId = status.body.activeActions[0]?.actionId ?? '';
  expect(ids.breachId).not.toBe('');
  expect(ids.actionId).not.toBe('');
  expect(status.body.level).not.toBe('normal');
});
afterAll(async () => {
  await runtime?.close();
});

const isNotFound = (res: ApiResponse) => {
  expect(res.status, res.text).toBe(404);
  expect((res.body as { error: { code: string } }).error.code).toBe('NOT_FOUND');
};

describe('tenant isolation', () => {
  it("tenant B with tenant A's ids and user gets 404 or nothing, and A's data is unchanged", async () => {
    const before = await viewOfA();
    const stored = await itemsOfA();
    expect(Object.values(stored).flat().length).toBeGreaterThan(10);
    const { thresholdId, breachId, actionId } = ids;

    // Ids that belong to A: 404.
    isNotFound(await asB('PUT', `/thresholds/${thresholdId}`, { limitUsd: 999 }));
    isNotFound(await asB('DELETE', `/thresholds/${thresholdId}`));
    isNotFound(await asB('POST', `/breaches/${breachId}/acknowledge`));
    isNotFound(await asB('POST', `/auto-control/reverse/${actionId}`, { reason: 'not mine' }));
    isNotFound(await asB('GET', `/alerting/${USER}`));

    // A's user seen from B: B's own (empty) user of the same name.
    const empty = { items: [] };
    expect((await asB('GET', `/thresholds/${USER}`)).body).toMatchObject(empty);
    expect((await asB('GET', `/thresholds/${thresholdId}`)).body).toMatchObject(empty);
    expect((await asB('GET', `/breaches/${USER}`)).body).toMatchObject(empty);
    expect((await asB('GET', `/breaches/${breachId}`)).body).toMatchObject(empty);
    expect((await asB('GET', `/auto-control/actions/${USER}`)).body).toMatchObject(empty);
    expect((await asB('GET', `/recommendations/${USER}`)).body).toMatchObject(empty);
    const exported = await asB<{ items: unknown[] }>('GET', `/export/${USER}?format=json`);
    expect(exported.status).toBe(200);
    expect(exported.body.items).toEqual([]);
    const csv = await asB('GET', `/export/${USER}?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.text.trim().split('\n')).toHaveLength(1);
    const analytics = await asB<{ totals: { requests: number; costUsd: number } }>(
      'GET',
      `/analytics/${USER}`,
    );
    expect(analytics.status).toBe(200);
    expect(analytics.body.totals).toMatchObject({ requests: 0, costUsd: 0 });
    const projections = await asB<{ periodToDateUsd: number; thresholdBreaches: unknown[] }>(
      'GET',
      `/projections/${USER}`,
    );
    expect(projections.status).toBe(200);
    expect(projections.body).toMatchObject({ periodToDateUsd: 0, thresholdBreaches: [] });
    const status = await asB<{ level: string; spendUsd: number; activeActions: unknown[] }>(
      'GET',
      `/auto-control/status/${USER}`,
    );
    if (status.status === 200) {
      expect(status.body).toMatchObject({ level: 'normal', activeActions: [] });
      expect(status.body.spendUsd ?? 0).toBe(0);
    } else {
      isNotFound(status);
    }
    // A's user is throttled for A; B's user of the same name is not.
    const check = await asB<{ decision: string }>('POST', '/check', {
      userId: USER,
      modelId: SONNET,
      estimatedInputTokens: 1000,
      estimatedOutputTokens: 100,
    });
    expect(check.status).toBe(200);
    expect(check.body.decision).toBe('allow');

    await runtime.alerting.bus.idle();
    expect(await itemsOfA()).toEqual(stored);
    expect(await viewOfA()).toEqual(before);

    // B may configure its own user of the same name; A's stays as it was.
    expect((await asB('PUT', `/alerting/${USER}`, { email: 'mallory@example.com' })).status).toBe(200);
    expect((await asB('POST', '/auto-control/init', { userId: USER, budgetUsd: 1000 })).status).toBe(201);
    expect(await viewOfA()).toEqual(before);
    expect((await asA<{ email: string }>('GET', `/alerting/${USER}`)).body.email).toBe('alice@example.com');
    // And A's ids still work for A.
    expect((await asA('POST', `/breaches/${breachId}/acknowledge`)).status).toBe(200);
    expect((await asA('POST', `/auto-control/reverse/${actionId}`, { reason: 'approved' })).status).toBe(200);
  });
});
