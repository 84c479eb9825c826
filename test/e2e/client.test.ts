import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import {
  CostApiError,
  type CostClient,
  CostControlCacheOnlyError,
  CostControlDeniedError,
  CostControlThrottledError,
  createCostClient,
  type FetchLike,
  withCostTracking,
} from '@cost-management/client';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0'; // USD 3 / 15 per million tokens
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0'; // USD 0.25 / 1.25 per million tokens

let runtime: LocalRuntime;
let costClient: CostClient;
const bedrock = mockClient(BedrockRuntimeClient);

beforeAll(async () => {
  // A free SES port and no sweep timer: other runtimes may run at the same time.
  runtime = await startTestRuntime({ alerting: { sesPort: 0, sweepIntervalSeconds: 0 } });
  costClient = createCostClient({ baseUrl: runtime.apiBase, apiKey: TENANT_A.key });
});
afterAll(async () => {
  await runtime?.close();
});
afterEach(() => bedrock.reset());

function converse(modelId: string, text = 'Summarise this pull request.') {
  return { modelId, messages: [{ role: 'user' as const, content: [{ text }] }] };
}

function answer(inputTokens: number, outputTokens: number) {
  return {
    output: { message: { role: 'assistant' as const, content: [{ text: 'ok' }] } },
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 120 },
  };
}

/**
 * Records `inputTokens` of Sonnet input (USD 3 per million), then sets a USD 0.01 monthly budget
 * with the default rules and downgrade map; answers the level that spend puts the user at.
 */
async function userAt(userId: string, inputTokens: number) {
  await costClient.trackUsage({ userId, modelId: SONNET, inputTokens, outputTokens: 0 });
  const config = await costClient.initAutoControl({ userId, budgetUsd: 0.01 });
  return config.level;
}

describe('typed client against the local runtime', () => {
  it('records usage once per requestId and reads it back', async () => {
    const first = await costClient.trackUsage({
      requestId: 'client-e2e-1',
      userId: 'carol',
      modelId: SONNET,
      inputTokens: 1000,
      outputTokens: 500,
    });
    expect(first).toMatchObject({ costUsd: 0.0105, duplicate: false });
    const replay = await costClient.trackUsage({
      requestId: 'client-e2e-1',
      userId: 'carol',
      modelId: SONNET,
      inputTokens: 1000,
      outputTokens: 500,
    });
    expect(replay).toMatchObject({ costUsd: 0.0105, duplicate: true });
    const generated = await costClient.trackUsage({
      userId: 'carol',
      modelId: HAIKU,
      inputTokens: 4,
      outputTokens: 0,
    });
    expect(generated.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.costUsd).toBe(0.000001);

    const analytics = await costClient.analytics('carol');
    expect(analytics.totals).toMatchObject({
      requests: 2,
      inputTokens: 1004,
      outputTokens: 500,
      costUsd: 0.010501,
    });
    // The same user id of another tenant is another user.
    const other = createCostClient({ baseUrl: runtime.apiBase, apiKey: TENANT_B.key });
    expect((await other.analytics('carol')).totals.requests).toBe(0);
  });

  it('raises CostApiError with the code and field details of an error answer', async () => {
    const error = await costClient
      .trackUsage({ userId: 'carol', modelId: SONNET, inputTokens: -1, outputTokens: 1.5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CostApiError);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    expect((error as CostApiError).details.map((d) => d.path).sort()).toEqual([
      'inputTokens',
      'outputTokens',
    ]);

    // A well-formed model id without a price is recorded, unpriced.
    const unpriced = await costClient.trackUsage({
      userId: 'carol',
      modelId: 'acme.nope-v1',
      inputTokens: 1,
      outputTokens: 1,
    });
    expect(unpriced).toMatchObject({ priced: false, costUsd: null, priceVersion: null });

    const unauthorised = createCostClient({ baseUrl: runtime.apiBase, apiKey: 'wrong' });
    await expect(unauthorised.models()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('batches, pages through exports and answers the read-only routes', async () => {
    const batch = await costClient.trackUsageBatch(
      [1, 2, 3].map((n) => ({ userId: 'dave', modelId: HAIKU, inputTokens: n * 1000, outputTokens: 0 })),
    );
    expect(batch.results.map((r) => r.status)).toEqual([201, 201, 201]);
    const pages = [];
    for await (const page of costClient.exportPages('dave', { limit: 2 })) pages.push(page.items.length);
    expect(pages).toEqual([2, 1]);
    const costs = [];
    for await (const record of costClient.exportItems('dave')) costs.push(record.costUsd);
    expect(costs.sort()).toEqual([0.00025, 0.0005, 0.00075]);

    expect((await costClient.models()).items.map((m) => m.modelId)).toContain(HAIKU);
    expect(await costClient.health()).toEqual({ status: 'ok' });
    const estimate = await costClient.estimate({
      modelId: SONNET,
      operations: [{ name: 'review', inputTokens: 1000, outputTokens: 500, perDay: 10 }],
    });
    expect(estimate.totals.llmCostUsd).toBe(3.15);
    expect((await costClient.benchmarks({ tier: 'starter' })).items.length).toBeGreaterThan(0);
    expect((await costClient.projections('dave', { horizonDays: 7 })).userId).toBe('dave');
    expect(Array.isArray((await costClient.recommendations('dave')).items)).toBe(true);
  });
});

describe('prices, unpriced usage and invocation logs through the client', () => {
  it('records a model without a price, prices it with a negotiated price, and imports a log record', async () => {
    const modelId = 'acme.private-model-v1:0';
    const userId = 'client-unpriced';
    const tracked = await costClient.trackUsage({ userId, modelId, inputTokens: 1_000_000, outputTokens: 0 });
    expect(tracked).toMatchObject({ priced: false, costUsd: null });
    expect((await costClient.unpriced()).items).toContainEqual(
      expect.objectContaining({ modelId, events: 1, inputTokens: 1_000_000 }),
    );
    const put = await costClient.putPrice(modelId, {
      effectiveFrom: '2026-01-01T00:00:00Z',
      inputPerMTokUsd: 2.5,
      outputPerMTokUsd: 10,
    });
    expect(put).toMatchObject({ source: 'tenant', repricedEvents: 1 });
    expect((await costClient.listPrices()).items.map((p) => p.modelId)).toContain(modelId);
    expect((await costClient.analytics(userId)).totals.costUsd).toBe(2.5);
    await expect(costClient.deletePrice(modelId, '2026-01-01T00:00:00Z')).rejects.toMatchObject({
      status: 409,
    });
    const imported = await costClient.importInvocationLogs([
      {
        schemaType: 'ModelInvocationLog',
        schemaVersion: '1.0',
        timestamp: new Date().toISOString(),
        accountId: '123456789012',
        region: 'us-east-1',
        requestId: 'client-log-1',
        operation: 'Converse',
        modelId: SONNET,
        identity: { arn: 'arn:aws:sts::123456789012:assumed-role/app/session' },
        requestMetadata: { userId },
        input: { inputTokenCount: 1000 },
        output: { outputTokenCount: 500 },
      },
    ]);
    expect(imported).toMatchObject({ recorded: 1, duplicates: 0, unattributed: 0 });
  });
});

describe('withCostTracking against the local runtime', () => {
  it('tracks Converse calls with exact costs in analytics', async () => {
    bedrock.on(ConverseCommand).resolves(answer(1000, 500));
    const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
      costClient,
      userId: 'alice',
      operation: 'code-review',
    });
    for (let i = 0; i < 3; i++) await client.send(new ConverseCommand(converse(SONNET)));
    expect(await client.flush()).toEqual({ sent: 0, dropped: 0, pending: 0 });

    const analytics = await costClient.analytics('alice');
    expect(analytics.totals).toMatchObject({
      requests: 3,
      inputTokens: 3000,
      outputTokens: 1500,
      costUsd: 0.0315,
    });
    expect(analytics.byModel).toEqual([
      expect.objectContaining({ modelId: SONNET, requests: 3, costUsd: 0.0315 }),
    ]);
    expect(analytics.byOperation).toEqual([
      expect.objectContaining({ operation: 'code-review', requests: 3, costUsd: 0.0315 }),
    ]);
    const records = [];
    for await (const record of costClient.exportItems('alice')) records.push(record);
    expect(new Set(records.map((r) => r.requestId)).size).toBe(3);
  });

  it('tracks a stream from its metadata event', async () => {
    async function* events(): AsyncGenerator<ConverseStreamOutput> {
      yield { messageStart: { role: 'assistant' } };
      yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Looks good.' } } };
      yield { messageStop: { stopReason: 'end_turn' } };
      yield {
        metadata: {
          usage: { inputTokens: 2000, outputTokens: 100, totalTokens: 2100 },
          metrics: { latencyMs: 80 },
        },
      };
    }
    bedrock.on(ConverseStreamCommand).resolves({ stream: events() });
    const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
      costClient,
      userId: 'bob',
    });
    const res = await client.send(new ConverseStreamCommand(converse(HAIKU)));
    let text = '';
    for await (const event of res.stream ?? []) text += event.contentBlockDelta?.delta?.text ?? '';
    expect(text).toBe('Looks good.');
    await client.flush();
    const analytics = await costClient.analytics('bob');
    // 2000 × 0.25 + 100 × 1.25 per million tokens.
    expect(analytics.totals).toMatchObject({
      requests: 1,
      inputTokens: 2000,
      outputTokens: 100,
      costUsd: 0.000625,
    });
  });

  it('buffers reports while the service is unreachable and counts each once after flush', async () => {
    bedrock.on(ConverseCommand).resolves(answer(1000, 500));
    const outage = { mode: 'up' as 'up' | 'down' | 'answer-lost' };
    const flaky: FetchLike = async (url, init) => {
      if (!url.includes('/track-usage')) return fetch(url, init);
      if (outage.mode === 'down') throw new TypeError('fetch failed');
      const res = await fetch(url, init);
      if (outage.mode === 'answer-lost') throw new TypeError('socket hang up');
      return res;
    };
    const errors: string[] = [];
    const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
      costClient: createCostClient({
        baseUrl: runtime.apiBase,
        apiKey: TENANT_A.key,
        fetch: flaky,
        retries: 0,
      }),
      userId: 'erin',
      retryDelayMs: 3_600_000,
      onError: (_error, { stage }) => errors.push(stage),
    });
    outage.mode = 'down';
    const res = await client.send(new ConverseCommand(converse(SONNET)));
    expect(res.output?.message?.content?.[0]?.text).toBe('ok');
    outage.mode = 'answer-lost';
    await client.send(new ConverseCommand(converse(SONNET)));
    // Let the lost-answer report finish (it is buffered), then flush while the service is down.
    await expect.poll(() => client.pending()).toBe(2);
    outage.mode = 'down';
    expect(await client.flush()).toEqual({ sent: 0, dropped: 0, pending: 2 });
    expect(client.pending()).toBe(2);
    expect(errors.filter((s) => s === 'report').length).toBeGreaterThanOrEqual(2);
    // The report whose answer was lost did arrive: it is counted already.
    expect((await costClient.analytics('erin')).totals.requests).toBe(1);

    outage.mode = 'up';
    expect(await client.flush()).toEqual({ sent: 2, dropped: 0, pending: 0 });
    const analytics = await costClient.analytics('erin');
    expect(analytics.totals).toMatchObject({ requests: 2, costUsd: 0.021 });
    client.stopTracking();
  });

  it('denies a user at shutdown with the typed error, without calling Bedrock', async () => {
    bedrock.on(ConverseCommand).resolves(answer(1000, 500));
    expect(await userAt('mallory', 6000)).toBe('shutdown'); // USD 0.018: 180 %
    const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
      costClient,
      userId: 'mallory',
    });
    const error = await client.send(new ConverseCommand(converse(SONNET))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CostControlDeniedError);
    expect(error).toMatchObject({ decision: 'deny', userId: 'mallory', level: 'shutdown' });
    expect((error as CostControlDeniedError).retryAfterMs).toBeGreaterThan(0);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
    await client.flush();
    expect((await costClient.analytics('mallory')).totals.requests).toBe(1);
  });

  it('sends a downgraded user to the cheaper model and records that model', async () => {
    bedrock.on(ConverseCommand).resolves(answer(1000, 500));
    expect(await userAt('dora', 3500)).toBe('moderate'); // USD 0.0105: 105 %
    const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
      costClient,
      userId: 'dora',
    });
    await client.send(new ConverseCommand(converse(SONNET)));
    const calls = bedrock.commandCalls(ConverseCommand);
    expect(calls.map((c) => c.args[0].input.modelId)).toEqual([HAIKU]);
    await client.flush();
    const analytics = await costClient.analytics('dora');
    // 1000 × 0.25 + 500 × 1.25 per million tokens on Haiku, not 0.0105 on Sonnet.
    expect(analytics.byModel.find((m) => m.modelId === HAIKU)).toMatchObject({
      requests: 1,
      costUsd: 0.000875,
    });
    expect(analytics.totals.costUsd).toBe(0.011375);
  });

  it('turns a severe user away with the cache-only error', async () => {
    expect(await userAt('sevi', 4100)).toBe('severe'); // USD 0.0123: 123 %
    const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
      costClient,
      userId: 'sevi',
    });
    const error = await client.send(new ConverseStreamCommand(converse(SONNET))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CostControlCacheOnlyError);
    expect(error).toMatchObject({ level: 'severe', suggestedModelId: HAIKU });
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0);
  });

  it('throws the throttled error when the rate limit asks for a longer wait than allowed', async () => {
    bedrock.on(ConverseCommand).resolves(answer(10, 10));
    await costClient.trackUsage({ userId: 'tim', modelId: SONNET, inputTokens: 2700, outputTokens: 0 });
    const config = await costClient.initAutoControl({
      userId: 'tim',
      budgetUsd: 0.01,
      maxRequestsPerMinute: 1,
    });
    expect(config.level).toBe('light'); // USD 0.0081: 81 %
    const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
      costClient,
      userId: 'tim',
    });
    await client.send(new ConverseCommand(converse(SONNET)));
    const error = await client.send(new ConverseCommand(converse(SONNET))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CostControlThrottledError);
    expect((error as CostControlThrottledError).retryAfterMs).toBeGreaterThan(10_000);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(1);
  });
});

describe('typed management methods against the local runtime', () => {
  it('creates, lists, changes and deletes a threshold, and sets alerting', async () => {
    const created = await costClient.createThreshold({ userId: 'tina', name: 'cap', limitUsd: 100 });
    expect(created).toMatchObject({ userId: 'tina', type: 'absolute', period: 'monthly', limitUsd: 100 });
    const updated = await costClient.updateThreshold(created.thresholdId, { limitUsd: 50 });
    expect(updated.limitUsd).toBe(50);
    expect((await costClient.listThresholds('tina')).items.map((t) => t.thresholdId)).toEqual([
      created.thresholdId,
    ]);
    await costClient.deleteThreshold(created.thresholdId);
    expect((await costClient.listThresholds('tina')).items).toEqual([]);
    await expect(costClient.deleteThreshold(created.thresholdId)).rejects.toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });

    await costClient.putAlerting('tina', { email: 'owner@example.com' });
    expect(await costClient.getAlerting('tina')).toMatchObject({ email: 'owner@example.com' });
    expect((await costClient.listBreaches('tina', { status: 'open' })).items).toEqual([]);
  });

  it("lists the tenant's users by spend and its breaches across users, page by page", async () => {
    const users: { userId: string; costUsd: number }[] = [];
    for await (const user of costClient.userItems({ limit: 2 })) users.push(user);
    expect(users.length).toBeGreaterThan(2);
    expect(new Set(users.map((u) => u.userId)).size).toBe(users.length);
    const costs = users.map((u) => u.costUsd);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    const first = await costClient.users({ limit: 1 });
    expect(first.items.map((u) => u.userId)).toEqual([users[0]?.userId]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const page = await costClient.tenantBreaches({ status: 'open', limit: 5 });
    expect(page.items.every((b) => b.status === 'open')).toBe(true);
  });

  it('reads the control status and history and reverses an action', async () => {
    expect(await userAt('rita', 6000)).toBe('shutdown');
    const status = await costClient.controlStatus('rita');
    expect(status).toMatchObject({ level: 'shutdown', effective: { blocked: true } });
    const shutdown = status.activeActions.find((a) => a.action === 'shutdown');
    expect(shutdown).toBeDefined();
    const reversed = await costClient.reverseAction(shutdown?.actionId ?? '', { reason: 'approved overrun' });
    expect(reversed.level).toBe('severe');
    await expect(
      costClient.reverseAction(shutdown?.actionId ?? '', { reason: 'again' }),
    ).rejects.toMatchObject({ status: 409 });
    const history = await costClient.controlActions('rita', { limit: 10 });
    expect(history.items[0]).toMatchObject({ type: 'reverse' });
  });
});

describe('erasure through the client', () => {
  it('erases a user, reads the erasure until it completes, and answers the same one again', async () => {
    await costClient.trackUsage({ userId: 'erin', modelId: HAIKU, inputTokens: 100, outputTokens: 10 });
    const erasure = await costClient.eraseUser('erin');
    expect(erasure).toMatchObject({ userId: 'erin', status: 'pending', completedAt: null });
    await runtime.alerting.bus.idle();
    const done = await costClient.erasure(erasure.erasureId);
    expect(done).toMatchObject({ erasureId: erasure.erasureId, status: 'completed' });
    expect(done.completedAt).not.toBeNull();
    expect((await costClient.eraseUser('erin')).erasureId).toBe(erasure.erasureId);
    expect((await costClient.analytics('erin')).totals.requests).toBe(0);
    await expect(costClient.erasure('no-such-erasure')).rejects.toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });
});

describe('data protection through the client', () => {
  it('changes the retention, reads it back with its job, and finds the change in the audit log', async () => {
    const admin = createCostClient({ baseUrl: runtime.apiBase, apiKey: TENANT_B.key });
    const changed = await admin.putSettings({ retention: { usageDays: 120 } });
    expect(changed.retention).toEqual({ usageDays: 120, historyDays: 730 });
    expect(changed.retentionJob).toMatchObject({ status: 'pending', usageDays: 120 });
    expect((await admin.getSettings()).retention.usageDays).toBe(120);
    await expect(admin.putSettings({ retention: { usageDays: 10 } })).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    const entries = [];
    for await (const entry of admin.auditEntries({ limit: 1 })) entries.push(entry);
    expect(entries.map((e) => e.action)).toEqual(['settings.update']);
    expect(entries[0]?.after).toEqual({ usageDays: 120, historyDays: 730 });
    // Analytics and export say where retained raw data begins.
    const from = new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10);
    const analytics = await admin.analytics('nobody', { from });
    expect(analytics.retention).toMatchObject({ usageDays: 120, rangeBeforeRetention: true });
    const page = await admin.exportRecords('nobody', { from });
    expect(page.retention?.rangeBeforeRetention).toBe(true);
  });
});
