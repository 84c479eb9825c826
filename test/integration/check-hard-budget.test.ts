import { periodOf } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_SK } from '../../lambdas/control/adapters/dynamo-control-config-store.js';
import type { ControlConfigStore } from '../../lambdas/control/ports/control-config-store.js';
import { checkRequest, RESERVATION_TTL_MS } from '../../lambdas/control/use-cases/check-request.js';
import { autoControlReactor } from '../../lambdas/control/use-cases/control-reactor.js';
import { controlDeps } from '../../lambdas/control/wiring.js';
import { userPk } from '../../lambdas/platform/keys.js';
import { trackUsageBatch } from '../../lambdas/usage/use-cases/track-usage.js';
import { aggregateStore, usageStore } from '../../lambdas/usage/wiring.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { tables } from '../support/dynamo.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
let runtime: LocalRuntime;
let api: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
});
afterAll(async () => {
  await runtime.close();
});

type Check = {
  decision: string;
  requestId: string;
  reservedUsd?: number;
  retryAfterMs: number;
  reason: string;
};
type Status = { reservedUsd: number; spendUsd: number };

async function hardBudget(userId: string, key = TENANT_A.key) {
  const res = await call(api, 'POST', '/auto-control/init', {
    key,
    body: { userId, budgetUsd: 0.01, hardLimit: true },
  });
  expect(res.status).toBe(201);
}

/** A check estimated at `inputTokens` Sonnet input tokens (3 000 nano-USD each). */
const check = (userId: string, inputTokens: number, requestId?: string, key = TENANT_A.key) =>
  call<Check>(api, 'POST', '/check', {
    key,
    body: {
      userId,
      modelId: SONNET,
      estimatedInputTokens: inputTokens,
      estimatedOutputTokens: 0,
      ...(requestId ? { requestId } : {}),
    },
  });

describe('hard budgets on /check', () => {
  it('admits no more than the budget allows under 100 concurrent checks', async () => {
    await hardBudget('hard');
    // Each check reserves 0.0003 USD: 33 fit in 0.01 USD.
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => check('hard', 100, `hard-${i}`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const admitted = answers.filter((a) => a.body.decision === 'allow');
    const denied = answers.filter((a) => a.body.decision === 'deny');
    expect(admitted).toHaveLength(33);
    expect(denied).toHaveLength(67);
    expect(admitted.every((a) => a.body.reservedUsd === 0.0003)).toBe(true);
    expect(denied[0]?.body.reason).toContain('Hard budget');
    expect(denied[0]?.body.retryAfterMs).toBeGreaterThan(0);
    const status = await call<Status>(api, 'GET', '/auto-control/status/hard', { key: TENANT_A.key });
    expect(status.body.reservedUsd).toBeCloseTo(0.0099, 9);
  });

  it('settles a reservation with the tracked usage of the same requestId', async () => {
    await hardBudget('settle');
    const first = await check('settle', 3000); // 0.009 reserved
    expect(first.body.decision).toBe('allow');
    expect((await check('settle', 500)).body.decision).toBe('deny'); // 0.0015 > 0.001 left
    const tracked = await call(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: {
        requestId: first.body.requestId,
        userId: 'settle',
        modelId: SONNET,
        inputTokens: 1000,
        outputTokens: 0,
      },
    });
    expect(tracked.status).toBe(201);
    // Actual cost 0.003: 0.007 is left.
    const status = await call<Status>(api, 'GET', '/auto-control/status/settle', { key: TENANT_A.key });
    expect(status.body).toMatchObject({ reservedUsd: 0, spendUsd: 0.003 });
    expect((await check('settle', 2300)).body.decision).toBe('allow'); // 0.0069
    expect((await check('settle', 100)).body.decision).toBe('deny'); // 0.0003 > 0.0001 left
  });

  it('counts untracked-for spend and keeps a repeated requestId to one reservation', async () => {
    await hardBudget('mixed');
    const tracked = await call(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: {
        requestId: 'mixed-usage',
        userId: 'mixed',
        modelId: SONNET,
        inputTokens: 2000,
        outputTokens: 0,
      },
    });
    expect(tracked.status).toBe(201); // 0.006 spent without a check
    const once = await check('mixed', 1000, 'same-id'); // 0.003
    const again = await check('mixed', 1000, 'same-id');
    expect([once.body.decision, again.body.decision]).toEqual(['allow', 'allow']);
    expect((await check('mixed', 400)).body.decision).toBe('deny'); // 0.0012 > 0.001 left
    expect((await check('mixed', 300)).body.decision).toBe('allow'); // 0.0009
  });

  it('releases expired reservations lazily', async () => {
    await hardBudget('expire');
    expect((await check('expire', 3300)).body.decision).toBe('allow'); // 0.0099, never tracked
    expect((await check('expire', 100)).body.decision).toBe('deny');
    const later = new Date(Date.now() + RESERVATION_TTL_MS + 1000);
    const deps = controlDeps(process.env as never, aggregateStore(process.env as never));
    const answer = await checkRequest(
      deps,
      TENANT_A.tenant,
      { userId: 'expire', modelId: SONNET, estimatedInputTokens: 100, estimatedOutputTokens: 0 },
      later,
    );
    expect(answer.decision).toBe('allow');
  });

  it('keeps hard budgets per tenant', async () => {
    await hardBudget('tenant-user');
    expect((await check('tenant-user', 3333)).body.decision).toBe('allow');
    expect((await check('tenant-user', 100)).body.decision).toBe('deny');
    expect((await check('tenant-user', 100, undefined, TENANT_B.key)).body.decision).toBe('allow');
    await hardBudget('tenant-user', TENANT_B.key);
    expect((await check('tenant-user', 3333, undefined, TENANT_B.key)).body.decision).toBe('allow');
  });

  it('keeps the open reservations of the period when the configuration is replaced', async () => {
    await hardBudget('reinit');
    const first = await check('reinit', 3000); // 0.009 reserved
    expect(first.body.decision).toBe('allow');
    const replaced = await call(api, 'POST', '/auto-control/init', {
      key: TENANT_A.key,
      body: { userId: 'reinit', budgetUsd: 0.01, hardLimit: true },
    });
    expect(replaced.status).toBe(200);
    expect((await check('reinit', 500)).body.decision).toBe('deny'); // 0.0015 > 0.001 left
    const tracked = await call(api, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: {
        requestId: first.body.requestId,
        userId: 'reinit',
        modelId: SONNET,
        inputTokens: 1000,
        outputTokens: 0,
      },
    });
    expect(tracked.status).toBe(201);
    // Actual cost 0.003, the reservation settled: 0.007 is left, not 0.016.
    const status = await call<Status>(api, 'GET', '/auto-control/status/reinit', { key: TENANT_A.key });
    expect(status.body).toMatchObject({ reservedUsd: 0, spendUsd: 0.003 });
    expect((await check('reinit', 2400)).body.decision).toBe('deny'); // 0.0072
    expect((await check('reinit', 2300)).body.decision).toBe('allow'); // 0.0069
  });

  const ingestWith = (store: ControlConfigStore, userId: string, requestId: string, inputTokens: number) => {
    const env = process.env as never;
    return trackUsageBatch(
      {
        store: usageStore(env),
        reactors: [autoControlReactor({ ...controlDeps(env, aggregateStore(env)), store })],
      },
      TENANT_A.tenant,
      [{ requestId, userId, modelId: SONNET, inputTokens, outputTokens: 0 }],
      new Date(),
    );
  };
  const monthKey = () => periodOf('monthly', new Date().toISOString(), 'UTC').key;

  it('keeps a reservation made while a rule is being applied', async () => {
    await hardBudget('racer');
    const real = controlDeps(process.env as never, aggregateStore(process.env as never)).store;
    const racing: ControlConfigStore = Object.assign(Object.create(real), {
      transition: async (tenantId: string, t: Parameters<ControlConfigStore['transition']>[1]) => {
        // A check on another instance reserves 0.001 USD between the reactor's read and its write.
        await real.reserve(tenantId, 'racer', 'racer-check', {
          nano: 1_000_000,
          expiresAtMs: Date.now() + 60_000,
          periodKey: monthKey(),
        });
        return real.transition(tenantId, t);
      },
    });
    const results = await ingestWith(racing, 'racer', 'racer-usage', 2700); // 0.0081: light
    expect(results[0]?.kind).toBe('recorded');
    const status = await call<Status & { level: string }>(api, 'GET', '/auto-control/status/racer', {
      key: TENANT_A.key,
    });
    expect(status.body).toMatchObject({ level: 'light', spendUsd: 0.0081, reservedUsd: 0.001 });
    // 0.01 − 0.0081 − 0.001 = 0.0009 is left.
    expect((await check('racer', 400)).body.decision).toBe('deny'); // 0.0012
    expect((await check('racer', 300)).body.decision).toBe('allow'); // 0.0009
  });

  it('accounts all new spend when another writer accounted part of it first', async () => {
    await hardBudget('split');
    const real = controlDeps(process.env as never, aggregateStore(process.env as never)).store;
    let raced = false;
    const racing: ControlConfigStore = Object.assign(Object.create(real), {
      accountSpend: async (tenantId: string, userId: string, periodKey: string, from: number, to: number) => {
        if (!raced) {
          raced = true;
          // Another reactor, which read less spend, accounts 0.001 USD first.
          await real.accountSpend(tenantId, userId, periodKey, from, from + 1_000_000);
        }
        return real.accountSpend(tenantId, userId, periodKey, from, to);
      },
    });
    await ingestWith(racing, 'split', 'split-usage', 2000); // 0.006
    expect(raced).toBe(true);
    const item = (await tables().get('autoControlConfig', userPk(TENANT_A.tenant, 'split'), CONTROL_SK)) as {
      state: { seenNano: number; headroomNano: number };
    };
    expect(item.state).toMatchObject({ seenNano: 6_000_000, headroomNano: 4_000_000 });
  });
});
