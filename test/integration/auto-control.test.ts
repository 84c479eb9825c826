import { periodOf, previousPeriod } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_SK } from '../../lambdas/control/adapters/dynamo-control-config-store.js';
import { autoControlReactor } from '../../lambdas/control/use-cases/control-reactor.js';
import { initControl } from '../../lambdas/control/use-cases/init-control.js';
import { resetExpiredPeriods } from '../../lambdas/control/use-cases/reset-periods.js';
import { controlDeps } from '../../lambdas/control/wiring.js';
import { hashApiKey, keyIdOfHash } from '../../lambdas/platform/api-keys.js';
import { userPk } from '../../lambdas/platform/keys.js';
import { trackUsageBatch } from '../../lambdas/usage/use-cases/track-usage.js';
import { aggregateStore, usageStore } from '../../lambdas/usage/wiring.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
let runtime: LocalRuntime;
let api: string;
let db: ReturnType<typeof tables>;
let seq = 0;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
  db = tables();
});
afterAll(async () => {
  await runtime.close();
});

type Status = {
  level: string;
  spendUsd: number;
  percentUsed: number;
  periodKey: string;
  activeActions: { actionId: string; action: string; reversible: boolean }[];
  effective: { maxRequestsPerMinute: number | null; cacheOnly: boolean; blocked: boolean };
};
type Action = {
  actionId: string;
  type: string;
  action: string | null;
  actor: string;
  reason: string;
  before: { level: string };
  after: { level: string };
  reversedAt: string | null;
};
type Check = { decision: string; modelId: string; level: string; retryAfterMs: number; reason: string };
type ErrorBody = { error: { code: string; details?: { path: string }[] } };

const init = (userId: string, extra: Record<string, unknown> = {}, key = TENANT_A.key) =>
  call<Record<string, unknown>>(api, 'POST', '/auto-control/init', {
    key,
    body: { userId, budgetUsd: 0.01, period: 'monthly', ...extra },
  });

/** Tracks a Sonnet call of `inputTokens` input tokens: 3 000 nano-USD each. */
async function track(
  userId: string,
  inputTokens: number,
  extra: Record<string, unknown> = {},
  key = TENANT_A.key,
) {
  const res = await call(api, 'POST', '/track-usage', {
    key,
    body: { requestId: `ac-${++seq}`, userId, modelId: SONNET, inputTokens, outputTokens: 0, ...extra },
  });
  expect(res.status).toBe(201);
}

const status = (userId: string, key = TENANT_A.key) =>
  call<Status>(api, 'GET', `/auto-control/status/${userId}`, { key });
const check = (userId: string, key = TENANT_A.key, extra: Record<string, unknown> = {}) =>
  call<Check>(api, 'POST', '/check', {
    key,
    body: { userId, modelId: SONNET, estimatedInputTokens: 1000, estimatedOutputTokens: 100, ...extra },
  });
const actions = (userId: string, key = TENANT_A.key) =>
  call<{ items: Action[] }>(api, 'GET', `/auto-control/actions/${userId}`, { key });
const reverse = (
  actionId: string,
  key = TENANT_A.key,
  body: unknown = { reason: 'approved overrun', actor: 'ops@example.com' },
) =>
  call<Action & { level: string; reversedAt: string }>(api, 'POST', `/auto-control/reverse/${actionId}`, {
    key,
    body,
  });

describe('the control ladder on the ingest path', () => {
  it('moves normal → light → moderate → severe → shutdown at 80/100/120/150 % and /check follows', async () => {
    const created = await init('alice');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      budgetUsd: 0.01,
      period: 'monthly',
      timezone: 'UTC',
      level: 'normal',
    });

    await track('alice', 2000); // 0.006 USD, 60 %
    expect((await status('alice')).body.level).toBe('normal');
    expect((await check('alice')).body).toMatchObject({
      decision: 'allow',
      modelId: SONNET,
      level: 'normal',
    });

    await track('alice', 700); // 0.0081, 81 %
    expect((await status('alice')).body).toMatchObject({
      level: 'light',
      effective: { maxRequestsPerMinute: 30 },
    });
    expect((await check('alice')).body).toMatchObject({ decision: 'allow', modelId: SONNET, level: 'light' });

    await track('alice', 700); // 0.0102, 102 %
    expect((await status('alice')).body.level).toBe('moderate');
    expect((await check('alice')).body).toMatchObject({
      decision: 'downgrade',
      modelId: HAIKU,
      level: 'moderate',
    });

    await track('alice', 700); // 0.0123, 123 %
    expect((await status('alice')).body).toMatchObject({ level: 'severe', effective: { cacheOnly: true } });
    expect((await check('alice')).body).toMatchObject({ decision: 'cache_only', level: 'severe' });

    await track('alice', 1000); // 0.0153, 153 %
    const shut = await status('alice');
    expect(shut.body).toMatchObject({ level: 'shutdown', spendUsd: 0.0153, percentUsed: 153 });
    expect(shut.body.activeActions.map((a) => a.action)).toEqual([
      'throttle_light',
      'throttle_moderate',
      'throttle_severe',
      'shutdown',
    ]);
    const denied = await check('alice');
    expect(denied.body).toMatchObject({ decision: 'deny', level: 'shutdown' });
    expect(denied.body.retryAfterMs).toBeGreaterThan(0);

    const history = await actions('alice');
    expect(history.status).toBe(200);
    expect(history.body.items.map((a) => [a.type, a.action, a.before.level, a.after.level])).toEqual([
      ['apply', 'shutdown', 'severe', 'shutdown'],
      ['apply', 'throttle_severe', 'moderate', 'severe'],
      ['apply', 'throttle_moderate', 'light', 'moderate'],
      ['apply', 'throttle_light', 'normal', 'light'],
    ]);
    expect(history.body.items.every((a) => a.actor === 'system' && a.reason.includes('%'))).toBe(true);
  });

  it('applies an action once however many events cross its rule concurrently', async () => {
    await init('burst');
    await Promise.all(Array.from({ length: 10 }, () => track('burst', 300))); // 10 × 0.0009 = 0.009, 90 %
    const history = await actions('burst');
    expect(history.body.items.map((a) => a.action)).toEqual(['throttle_light']);
    expect((await status('burst')).body.level).toBe('light');
  });

  it('applies every rule a single large event jumps over, each audited', async () => {
    await init('jump');
    await track('jump', 4000); // 0.012, 120 %
    expect((await status('jump')).body.level).toBe('severe');
    expect((await actions('jump')).body.items.map((a) => a.action)).toEqual([
      'throttle_severe',
      'throttle_moderate',
      'throttle_light',
    ]);
  });

  it('pages through the whole audit history with a cursor that stays inside the tenant', async () => {
    await init('pages');
    await track('pages', 5000); // 0.015, 150 %: four rules applied
    const seen: (string | null)[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/auto-control/actions/pages?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const res: { body: { items: Action[]; nextCursor: string | null } } = await call(api, 'GET', path, {
        key: TENANT_A.key,
      });
      seen.push(...res.body.items.map((a) => a.action));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual((await actions('pages')).body.items.map((a) => a.action));
    expect(seen).toEqual(['shutdown', 'throttle_severe', 'throttle_moderate', 'throttle_light']);
    const first = await call<{ nextCursor: string }>(api, 'GET', '/auto-control/actions/pages?limit=1', {
      key: TENANT_A.key,
    });
    // Tenant A's cursor is refused for tenant B, and a made-up one for anybody.
    expect(
      (
        await call(api, 'GET', `/auto-control/actions/pages?cursor=${first.body.nextCursor}`, {
          key: TENANT_B.key,
        })
      ).status,
    ).toBe(400);
    expect(
      (await call(api, 'GET', '/auto-control/actions/pages?cursor=bm9wZQ', { key: TENANT_A.key })).status,
    ).toBe(400);
  });

  it('answers the model to call in the form asked: inference profile or ARN kept, alias made bare', async () => {
    const asked = async (userId: string, modelId: string) =>
      (await check(userId, TENANT_A.key, { modelId })).body;
    expect(await asked('profile-free', `us.${SONNET}`)).toMatchObject({
      decision: 'allow',
      modelId: `us.${SONNET}`,
    });
    await init('profile');
    await track('profile', 3500); // 0.0105, 105 %: moderate
    expect(await asked('profile', `us.${SONNET}`)).toMatchObject({
      decision: 'downgrade',
      modelId: `us.${HAIKU}`,
    });
    const arn = 'arn:aws:bedrock:us-east-1::foundation-model/';
    expect(await asked('profile', `${arn}${SONNET}`)).toMatchObject({
      decision: 'downgrade',
      modelId: `${arn}${HAIKU}`,
    });
    expect(await asked('profile', 'claude-3-5-sonnet-20240620')).toMatchObject({
      decision: 'downgrade',
      modelId: HAIKU,
    });
  });

  it('throttles with a 200 answer and retryAfterMs once the rate limit from light on is used up', async () => {
    await init('bob', { maxRequestsPerMinute: 2 });
    await track('bob', 2700); // 0.0081, 81 %
    expect((await check('bob')).body.decision).toBe('allow');
    expect((await check('bob')).body.decision).toBe('allow');
    const throttled = await check('bob');
    expect(throttled.status).toBe(200);
    expect(throttled.body).toMatchObject({ decision: 'throttle', level: 'light', modelId: SONNET });
    expect(throttled.body.retryAfterMs).toBeGreaterThan(0);
  });
});

describe('reversing actions', () => {
  it('lifts a shutdown once, records who and why, answers 409 the second time and 404 to another tenant', async () => {
    await init('rev');
    await track('rev', 5100); // 0.0153, 153 %
    const shutdown = (await status('rev')).body.activeActions.find((a) => a.action === 'shutdown');
    expect(shutdown).toBeDefined();
    const id = shutdown?.actionId as string;

    expect((await reverse(id, TENANT_B.key)).status).toBe(404);
    const first = await reverse(id);
    expect(first.status).toBe(200);
    const callerKeyId = keyIdOfHash(hashApiKey(TENANT_A.key));
    expect(first.body).toMatchObject({
      actionId: id,
      level: 'severe',
      reversedBy: `key:${callerKeyId}`,
      // The label is free text: the e-mail address in it is redacted before the audit entry is written.
      reversedByActor: { tenantId: TENANT_A.tenant, keyId: callerKeyId, label: '[email]' },
      redacted: ['actor'],
    });
    expect(typeof first.body.reversedAt).toBe('string');
    expect((await check('rev')).body.decision).toBe('cache_only');

    const second = await reverse(id);
    expect(second.status).toBe(409);
    expect((second.body as unknown as ErrorBody).error.code).toBe('CONFLICT');

    // More spend inside the reversed rule does not apply it again in this period.
    await track('rev', 1000);
    expect((await status('rev')).body.level).toBe('severe');

    const history = (await actions('rev')).body.items;
    // The actor is the caller's key, never the body's `actor`, which is kept as a label only.
    const keyId = keyIdOfHash(hashApiKey(TENANT_A.key));
    expect(history[0]).toMatchObject({
      type: 'reverse',
      action: 'shutdown',
      actor: `key:${keyId}`,
      actorKeyId: keyId,
      actorTenantId: TENANT_A.tenant,
      actorLabel: '[email]',
      reason: 'approved overrun',
      before: { level: 'shutdown' },
      after: { level: 'severe' },
    });
    expect(history.find((a) => a.actionId === id)?.reversedAt).not.toBeNull();
    expect(history.filter((a) => a.type === 'apply' && a.action === 'shutdown')).toHaveLength(1);
  });

  it('applies the next rule when spend crosses it after a reverse', async () => {
    await init('next');
    await track('next', 3500); // 0.0105, 105 %
    const moderate = (await status('next')).body.activeActions.find((a) => a.action === 'throttle_moderate');
    const res = await reverse(moderate?.actionId as string);
    expect(res.body.level).toBe('light');
    expect((await check('next')).body.decision).toBe('allow');
    await track('next', 300); // 0.0114, 114 %: still inside the reversed rule
    expect((await status('next')).body.level).toBe('light');
    await track('next', 300); // 0.0123, 123 %: the next rule
    const after = (await status('next')).body;
    expect(after.level).toBe('severe');
    expect(after.activeActions.map((a) => a.action)).toEqual(['throttle_light', 'throttle_severe']);
  });

  it('rejects a reverse without a reason and an unknown action id', async () => {
    const bad = await reverse('nope', TENANT_A.key, { actor: 'x' });
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as ErrorBody).error.details?.map((d) => d.path)).toContain('reason');
    expect((await reverse('00000000000unknown')).status).toBe(404);
  });
});

describe('period reset', () => {
  const now = new Date();
  const previous = previousPeriod(periodOf('monthly', now.toISOString(), 'UTC'));
  const inPrevious = new Date(Date.parse(previous.start) + 3 * 86_400_000).toISOString();

  async function makeStale(userId: string) {
    const pk = userPk(TENANT_A.tenant, userId);
    const item = (await db.get('autoControlConfig', pk, CONTROL_SK)) as Record<
      string,
      Record<string, unknown>
    >;
    const state = item.state as Record<string, unknown>;
    state.periodKey = previous.key;
    state.level = 'shutdown';
    state.active = {
      shutdown: { actionId: 'old', action: 'shutdown', appliedAt: inPrevious, reason: 'old' },
    };
    state.reversed = ['throttle_light'];
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await db.client.send(new PutCommand({ TableName: db.name('autoControlConfig'), Item: item }));
  }

  it('resets a state of the previous period to normal on the next read, audited', async () => {
    await init('carol');
    await track('carol', 6000, { timestamp: inPrevious }); // 0.018 USD in the previous month only
    expect((await status('carol')).body).toMatchObject({ level: 'normal', spendUsd: 0 });
    await makeStale('carol');

    const after = await status('carol');
    expect(after.body).toMatchObject({
      level: 'normal',
      periodKey: periodOf('monthly', now.toISOString(), 'UTC').key,
    });
    expect(after.body.activeActions).toEqual([]);
    expect((await check('carol')).body.decision).toBe('allow');
    const [reset] = (await actions('carol')).body.items;
    expect(reset).toMatchObject({
      type: 'reset',
      actor: 'system',
      before: { level: 'shutdown' },
      after: { level: 'normal' },
    });
  });

  it('resets idle users from a sweep', async () => {
    await init('dave');
    await makeStale('dave');
    const deps = controlDeps(process.env as never, aggregateStore(process.env as never));
    const summary = await resetExpiredPeriods(deps, new Date());
    expect(summary.reset).toBeGreaterThanOrEqual(1);
    expect(summary.failed).toBe(0);
    const item = (await db.get('autoControlConfig', userPk(TENANT_A.tenant, 'dave'), CONTROL_SK)) as {
      state: { level: string };
    };
    expect(item.state.level).toBe('normal');
    expect((await actions('dave')).body.items[0]?.type).toBe('reset');
  });
});

describe('configuration', () => {
  it('fills defaults and replaces a configuration with 200', async () => {
    const first = await init('erin');
    expect(first.body).toMatchObject({
      enabled: true,
      hardLimit: false,
      maxRequestsPerMinute: 30,
      rules: [
        { atPercent: 80, action: 'throttle_light' },
        { atPercent: 100, action: 'throttle_moderate' },
        { atPercent: 120, action: 'throttle_severe' },
        { atPercent: 150, action: 'shutdown' },
      ],
    });
    expect((first.body.downgradeMap as Record<string, string>)[SONNET]).toBe(HAIKU);
    const again = await init('erin', {
      budgetUsd: 5,
      downgradeMap: { [`us.${SONNET}`]: 'claude-3-haiku-20240307' },
    });
    expect(again.status).toBe(200);
    expect(again.body.downgradeMap).toEqual({ [SONNET]: HAIKU });
    expect(again.body.createdAt).toBe(first.body.createdAt);
  });

  it('rejects nonsense with 400 naming each field, unknown models with 422, and stores nothing', async () => {
    const paths = async (body: Record<string, unknown>) => {
      const res = await call<ErrorBody>(api, 'POST', '/auto-control/init', { key: TENANT_A.key, body });
      expect(res.status).toBe(400);
      return res.body.error.details?.map((d) => d.path) ?? [];
    };
    expect(await paths({ userId: 'bad', budgetUsd: 0 })).toContain('budgetUsd');
    expect(await paths({ budgetUsd: 1 })).toContain('userId');
    expect(await paths({ userId: 'bad', budgetUsd: 1, period: 'yearly' })).toContain('period');
    expect(await paths({ userId: 'bad', budgetUsd: 1, maxRequestsPerMinute: 0 })).toContain(
      'maxRequestsPerMinute',
    );
    expect(
      await paths({
        userId: 'bad',
        budgetUsd: 1,
        rules: [
          { atPercent: 100, action: 'throttle_moderate' },
          { atPercent: 90, action: 'throttle_light' },
        ],
      }),
    ).toEqual(expect.arrayContaining(['rules[1].atPercent', 'rules[1].action']));
    expect(await paths({ userId: 'bad', budgetUsd: 1, downgradeMap: { [SONNET]: SONNET } })).toContain(
      `downgradeMap.${SONNET}`,
    );
    const unknown = await call<ErrorBody>(api, 'POST', '/auto-control/init', {
      key: TENANT_A.key,
      body: { userId: 'bad', budgetUsd: 1, downgradeMap: { [SONNET]: 'acme.model-v9' } },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('UNKNOWN_MODEL');
    expect(await db.get('autoControlConfig', userPk(TENANT_A.tenant, 'bad'), CONTROL_SK)).toBeUndefined();

    const badCheck = await call<ErrorBody>(api, 'POST', '/check', {
      key: TENANT_A.key,
      body: { modelId: SONNET },
    });
    expect(badCheck.status).toBe(400);
    const unknownCheck = await check('alice', TENANT_A.key, { modelId: 'acme.model-v9' });
    expect(unknownCheck.status).toBe(422);
  });

  it('answers 404 for the status of a user without configuration', async () => {
    expect((await status('nobody')).status).toBe(404);
  });
});

describe('tenant isolation', () => {
  it('keeps configurations, states, histories and checks apart per tenant', async () => {
    await init('iso');
    await track('iso', 5100); // shutdown in tenant A
    expect((await check('iso')).body.decision).toBe('deny');

    expect((await status('iso', TENANT_B.key)).status).toBe(404);
    expect((await actions('iso', TENANT_B.key)).body.items).toEqual([]);
    expect((await check('iso', TENANT_B.key)).body).toMatchObject({ decision: 'allow', level: 'normal' });

    expect((await init('iso', {}, TENANT_B.key)).status).toBe(201);
    expect((await status('iso', TENANT_B.key)).body).toMatchObject({ level: 'normal', spendUsd: 0 });
    expect((await status('iso')).body.level).toBe('shutdown');
    const [latestA] = (await actions('iso')).body.items;
    expect((await reverse(latestA?.actionId as string, TENANT_B.key)).status).toBe(404);
    expect((await call(api, 'GET', '/auto-control/status/iso', { key: null })).status).toBe(401);
  });
});

describe('the ingest reactor', () => {
  it('never fails the ingest when its store is down', async () => {
    const down = () => Promise.reject(new Error('connection refused'));
    const reactor = autoControlReactor({
      store: { get: down } as never,
      spend: { periodSpend: down },
    });
    await expect(
      reactor('t', [{ userId: 'u', requestId: 'r' } as never], new Date()),
    ).resolves.toBeUndefined();
  });

  it('records usage while cost control cannot write, and the next read recomputes the level', async () => {
    await init('flaky');
    const env = process.env as never;
    const real = controlDeps(env, aggregateStore(env));
    const flaky = {
      ...real,
      store: Object.assign(Object.create(real.store), {
        transition: () => Promise.reject(new Error('throttled')),
      }) as typeof real.store,
    };
    const results = await trackUsageBatch(
      { store: usageStore(env), reactors: [autoControlReactor(flaky)] },
      TENANT_A.tenant,
      [{ requestId: 'flaky-1', userId: 'flaky', modelId: SONNET, inputTokens: 2700, outputTokens: 0 }],
      new Date(),
    );
    expect(results[0]?.kind).toBe('recorded');
    const stored = (await db.get('autoControlConfig', userPk(TENANT_A.tenant, 'flaky'), CONTROL_SK)) as {
      state: { level: string };
    };
    expect(stored.state.level).toBe('normal');
    expect((await status('flaky')).body.level).toBe('light');
    expect((await actions('flaky')).body.items.map((a) => a.action)).toEqual(['throttle_light']);
  });
});

describe('replacing a configuration', () => {
  it('starts the period afresh, audited, and applies the rules the spend already reaches', async () => {
    await init('swap');
    await track('swap', 5100); // shutdown at 0.01
    const replaced = await init('swap', { budgetUsd: 0.0125 }); // 0.0153 is 122 % of 0.0125
    expect(replaced.status).toBe(200);
    expect(replaced.body.level).toBe('severe');
    const history = (await actions('swap')).body.items;
    expect(history.slice(0, 4).map((a) => [a.type, a.action])).toEqual([
      ['apply', 'throttle_severe'],
      ['apply', 'throttle_moderate'],
      ['apply', 'throttle_light'],
      ['reset', null],
    ]);
    expect(history[3]?.before.level).toBe('shutdown');
  });

  it('records the reset in the same write as the replacement, even when later transitions lose', async () => {
    await init('swap-audit');
    await track('swap-audit', 5100); // shutdown at 0.01
    const real = controlDeps(process.env as never, aggregateStore(process.env as never));
    const losing = {
      ...real,
      store: Object.assign(Object.create(real.store), {
        transition: async () => 'state-changed' as const,
      }) as typeof real.store,
    };
    const body = {
      userId: 'swap-audit',
      enabled: true,
      budgetUsd: 0.02,
      period: 'monthly' as const,
      hardLimit: false,
    };
    const { created } = await initControl(losing, TENANT_A.tenant, body, new Date());
    expect(created).toBe(false);
    const [latest] = (await actions('swap-audit')).body.items;
    expect(latest).toMatchObject({
      type: 'reset',
      action: null,
      before: { level: 'shutdown' },
      after: { level: 'normal' },
    });
  });
});
