import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  InvokeModelCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CheckInput,
  type CheckResult,
  CostApiError,
  type CostClient,
  CostControlCacheOnlyError,
  CostControlDeniedError,
  CostControlThrottledError,
  type CostTrackingOptions,
  commandKind,
  estimateInputTokens,
  REQUEST_METADATA_MAX_ENTRIES,
  type TrackUsageEvent,
  tagRequestMetadata,
  withCostTracking,
} from '../src/index.js';

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const bedrock = mockClient(BedrockRuntimeClient);
afterEach(() => bedrock.reset());

type Decide = (request: CheckInput, n: number) => Omit<CheckResult, 'requestId'> | Error;
const allow: Decide = (r) => ({
  decision: 'allow',
  modelId: r.modelId,
  level: 'normal',
  retryAfterMs: 0,
  reason: '',
});

/** An in-memory cost API: scripted /check answers, and a switch that makes reports fail. */
function fakeCostApi(decide: Decide = allow) {
  const checks: CheckInput[] = [];
  const reports: TrackUsageEvent[] = [];
  const state = { reportsFail: null as CostApiError | null };
  const client: Pick<CostClient, 'check' | 'trackUsage' | 'trackUsageBatch'> = {
    async check(request) {
      checks.push(request);
      const answer = decide(request, checks.length);
      if (answer instanceof Error) throw answer;
      return { ...answer, requestId: request.requestId ?? 'generated' };
    },
    async trackUsage(event) {
      if (state.reportsFail) throw state.reportsFail;
      reports.push(event as TrackUsageEvent);
      return {} as Awaited<ReturnType<CostClient['trackUsage']>>;
    },
    async trackUsageBatch(events) {
      if (state.reportsFail) throw state.reportsFail;
      reports.push(...(events as TrackUsageEvent[]));
      return { results: events.map((e) => ({ requestId: e.requestId ?? null, status: 201 })) };
    },
  };
  return { client, checks, reports, state };
}

const unavailable = () => new CostApiError({ status: 503, code: 'UNAVAILABLE', message: 'down' });

function wrap(api: ReturnType<typeof fakeCostApi>, extra: Partial<CostTrackingOptions> = {}) {
  const errors: { error: unknown; stage: string }[] = [];
  const waits: number[] = [];
  const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
    costClient: api.client,
    userId: 'alice',
    operation: 'chat',
    onError: (error, { stage }) => errors.push({ error, stage }),
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  } as CostTrackingOptions);
  return { client, errors, waits };
}

const converse = (modelId = SONNET) =>
  new ConverseCommand({
    modelId,
    system: [{ text: 'Be brief.' }],
    messages: [{ role: 'user', content: [{ text: 'Hello there, how are you doing?' }] }],
    inferenceConfig: { maxTokens: 300 },
  });
const usage = { inputTokens: 1000, outputTokens: 500, totalTokens: 1500, cacheReadInputTokens: 200 };
const reply = { output: { message: { role: 'assistant' as const, content: [{ text: 'hi' }] } }, usage };

describe('withCostTracking: Converse', () => {
  it('checks, calls Bedrock and reports the usage block', async () => {
    bedrock.on(ConverseCommand).resolves({ ...reply, metrics: { latencyMs: 321 } });
    const api = fakeCostApi();
    const { client } = wrap(api);
    const res = await client.send(converse());
    expect(res.output?.message?.content?.[0]?.text).toBe('hi');
    expect(api.checks).toEqual([
      {
        userId: 'alice',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        modelId: SONNET,
        estimatedInputTokens: 10,
        estimatedOutputTokens: 300,
      },
    ]);
    await client.flush();
    expect(api.reports).toHaveLength(1);
    expect(api.reports[0]).toMatchObject({
      userId: 'alice',
      modelId: SONNET,
      operation: 'chat',
      inputTokens: 1000,
      outputTokens: 500,
      cacheReadInputTokens: 200,
      cacheWriteInputTokens: 0,
      latencyMs: 321,
    });
    // The report carries the requestId the check reserved under.
    expect(api.reports[0]?.requestId).toBe(api.checks[0]?.requestId);
    expect(client.pending()).toBe(0);
  });

  it('calls the model /check names on downgrade and reports that model', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const api = fakeCostApi(() => ({
      decision: 'downgrade',
      modelId: HAIKU,
      level: 'moderate',
      retryAfterMs: 0,
      reason: 'r',
    }));
    const { client } = wrap(api);
    await client.send(converse());
    const calls = bedrock.commandCalls(ConverseCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.modelId).toBe(HAIKU);
    expect(calls[0]?.args[0].input.messages).toEqual(converse().input.messages);
    await client.flush();
    expect(api.reports[0]?.modelId).toBe(HAIKU);
  });

  it('throws the typed errors for deny and cache_only without calling Bedrock', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const deny = fakeCostApi(() => ({
      decision: 'deny',
      modelId: SONNET,
      level: 'shutdown',
      retryAfterMs: 9000,
      reason: 'shut',
    }));
    const denied = await wrap(deny)
      .client.send(converse())
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(CostControlDeniedError);
    expect(denied).toMatchObject({
      decision: 'deny',
      userId: 'alice',
      level: 'shutdown',
      retryAfterMs: 9000,
      message: 'shut',
    });

    const cache = fakeCostApi(() => ({
      decision: 'cache_only',
      modelId: HAIKU,
      level: 'severe',
      retryAfterMs: 0,
      reason: 'c',
    }));
    const cached = await wrap(cache)
      .client.send(converse())
      .catch((e: unknown) => e);
    expect(cached).toBeInstanceOf(CostControlCacheOnlyError);
    expect(cached).toMatchObject({ modelId: SONNET, suggestedModelId: HAIKU });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
    expect(deny.reports).toHaveLength(0);
  });

  it('waits out a throttle and checks again, then gives up with a typed error', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const throttle = (): Omit<CheckResult, 'requestId'> => ({
      decision: 'throttle',
      modelId: SONNET,
      level: 'light',
      retryAfterMs: 1500,
      reason: 't',
    });
    const once = fakeCostApi((r, n) => (n === 1 ? throttle() : allow(r, n)));
    const first = wrap(once);
    await first.client.send(converse());
    expect(first.waits).toEqual([1500]);
    expect(once.checks).toHaveLength(2);
    // A re-check keeps the call's requestId (and with it any reservation).
    expect(once.checks[1]?.requestId).toBe(once.checks[0]?.requestId);

    const always = fakeCostApi(throttle);
    const second = wrap(always, { maxThrottleRetries: 3 });
    await expect(second.client.send(converse())).rejects.toBeInstanceOf(CostControlThrottledError);
    expect(always.checks).toHaveLength(4);
    expect(second.waits).toEqual([1500, 1500, 1500]);

    const long = wrap(fakeCostApi(throttle), { maxThrottleWaitMs: 1000 });
    await expect(long.client.send(converse())).rejects.toBeInstanceOf(CostControlThrottledError);
    expect(long.waits).toEqual([]);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(1);
  });

  it('treats a 429 from /check as a throttle', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const api = fakeCostApi((r, n) =>
      n === 1
        ? new CostApiError({ status: 429, code: 'THROTTLED', message: 'slow', retryAfterMs: 2000 })
        : allow(r, n),
    );
    const { client, waits } = wrap(api);
    await client.send(converse());
    expect(waits).toEqual([2000]);
  });

  it('fails open when /check is unreachable or broken', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    for (const failure of [
      unavailable(),
      new CostApiError({ status: 0, code: 'NETWORK_ERROR', message: 'no route' }),
      new CostApiError({ status: 500, code: 'INTERNAL', message: 'oops' }),
    ]) {
      bedrock.resetHistory();
      const api = fakeCostApi(() => failure);
      const { client, errors } = wrap(api);
      await client.send(converse());
      expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input.modelId).toBe(SONNET);
      expect(errors).toEqual([{ error: failure, stage: 'check' }]);
      await client.flush();
      expect(api.reports).toHaveLength(1);
    }
  });

  it('resolves the user per call and passes other commands through untouched', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    bedrock.on(InvokeModelCommand).resolves({ body: new Uint8Array([1]) as never, contentType: 'x' });
    const api = fakeCostApi();
    const client = withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
      costClient: api.client,
      resolveUserId: async (input) => `user-of-${input.modelId?.slice(0, 9)}`,
    });
    await client.send(converse());
    const invoked = await client.send(new InvokeModelCommand({ modelId: SONNET, body: '{}' }));
    expect(invoked.contentType).toBe('x');
    expect(api.checks.map((c) => c.userId)).toEqual(['user-of-anthropic']);
    expect(client.config.region).toBeDefined();
    client.stopTracking();
  });

  it('supports the callback form of send', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const api = fakeCostApi(() => ({
      decision: 'deny',
      modelId: SONNET,
      level: 'shutdown',
      retryAfterMs: 0,
      reason: 'no',
    }));
    const { client } = wrap(api);
    const error = await new Promise((resolve) => {
      (client.send as (c: unknown, cb: (err: unknown) => void) => void)(converse(), resolve);
    });
    expect(error).toBeInstanceOf(CostControlDeniedError);
  });
});

describe('withCostTracking: reports that fail', () => {
  it('buffers failed reports and sends them on flush with the same requestId', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const api = fakeCostApi();
    api.state.reportsFail = unavailable();
    const { client, errors } = wrap(api, { retryDelayMs: 3_600_000 });
    await client.send(converse());
    await client.send(converse());
    const still = await client.flush();
    expect(still).toEqual({ sent: 0, dropped: 0, pending: 2 });
    expect(client.pending()).toBe(2);
    expect(errors.every((e) => e.stage === 'report')).toBe(true);

    api.state.reportsFail = null;
    expect(await client.flush()).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(client.pending()).toBe(0);
    expect(new Set(api.reports.map((r) => r.requestId)).size).toBe(2);
    client.stopTracking();
  });

  it('drops a report the service rejects for good', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const api = fakeCostApi();
    api.state.reportsFail = new CostApiError({ status: 422, code: 'UNKNOWN_MODEL', message: 'which?' });
    const { client, errors } = wrap(api);
    await client.send(converse());
    expect(await client.flush()).toEqual({ sent: 0, dropped: 0, pending: 0 });
    expect(errors.map((e) => e.stage)).toEqual(['dropped']);
  });

  it('retries buffered reports in the background', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const api = fakeCostApi();
    api.state.reportsFail = unavailable();
    const { client } = wrap(api, { retryDelayMs: 5 });
    await client.send(converse());
    await client.flush();
    api.state.reportsFail = null;
    await expect.poll(() => api.reports.length, { timeout: 5000, interval: 10 }).toBe(1);
    expect(client.pending()).toBe(0);
  });

  it('does not break the call when the response has no usage', async () => {
    bedrock.on(ConverseCommand).resolves({ output: reply.output });
    const api = fakeCostApi();
    const { client, errors } = wrap(api);
    await client.send(converse());
    await client.flush();
    expect(api.reports).toHaveLength(0);
    expect(errors.map((e) => e.stage)).toEqual(['report']);
  });
});

describe('withCostTracking: ConverseStream', () => {
  it('passes events through as they come and reports the metadata usage at the end', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* events(): AsyncGenerator<ConverseStreamOutput> {
      yield { messageStart: { role: 'assistant' } };
      await gate;
      yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'hi' } } };
      yield { messageStop: { stopReason: 'end_turn' } };
      yield {
        metadata: {
          usage: { inputTokens: 40, outputTokens: 7, totalTokens: 47 },
          metrics: { latencyMs: 90 },
        },
      };
    }
    bedrock.on(ConverseStreamCommand).resolves({ stream: events() });
    const api = fakeCostApi();
    const { client } = wrap(api);
    const res = await client.send(new ConverseStreamCommand(converse().input));
    const iterator = (res.stream as AsyncIterable<ConverseStreamOutput>)[Symbol.asyncIterator]();
    // The first event arrives while the model is still producing: nothing is buffered.
    expect((await iterator.next()).value).toEqual({ messageStart: { role: 'assistant' } });
    expect(api.reports).toHaveLength(0);
    release();
    const rest: ConverseStreamOutput[] = [];
    for (let n = await iterator.next(); !n.done; n = await iterator.next()) rest.push(n.value);
    expect(rest).toHaveLength(3);
    await client.flush();
    expect(api.reports).toHaveLength(1);
    expect(api.reports[0]).toMatchObject({
      modelId: SONNET,
      inputTokens: 40,
      outputTokens: 7,
      latencyMs: 90,
    });
  });

  it('checks a stream call like a Converse call', async () => {
    async function* events(): AsyncGenerator<ConverseStreamOutput> {
      yield {
        metadata: { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } },
      };
    }
    bedrock.on(ConverseStreamCommand).resolves({ stream: events() });
    const api = fakeCostApi(() => ({
      decision: 'downgrade',
      modelId: HAIKU,
      level: 'moderate',
      retryAfterMs: 0,
      reason: '',
    }));
    const { client } = wrap(api);
    const res = await client.send(new ConverseStreamCommand(converse().input));
    for await (const _ of res.stream ?? []) {
      // drain
    }
    expect(bedrock.commandCalls(ConverseStreamCommand)[0]?.args[0].input.modelId).toBe(HAIKU);
    await client.flush();
    expect(api.reports[0]?.modelId).toBe(HAIKU);
  });
});

describe('helpers', () => {
  it('recognises the Converse commands', () => {
    expect(commandKind(converse())).toBe('converse');
    expect(commandKind(new ConverseStreamCommand(converse().input))).toBe('stream');
    expect(commandKind(new InvokeModelCommand({ modelId: 'm', body: '' }))).toBeUndefined();
    expect(commandKind(null)).toBeUndefined();
    // A bundler may rename the classes: the schema still names the operation.
    const renamed = Object.assign(Object.create({ constructor: { name: 'a' } }), {
      schema: [9, 'com.amazonaws.bedrockruntime', 'ConverseStream'],
    });
    expect(commandKind(renamed)).toBe('stream');
  });

  it('estimates input tokens from the text of the system prompt and messages', () => {
    expect(estimateInputTokens({ modelId: 'm', messages: [] })).toBe(0);
    expect(estimateInputTokens(converse().input)).toBe(Math.ceil(('Be brief.'.length + 31) / 4));
  });
});

describe('withCostTracking: requestMetadata for the invocation logs', () => {
  it('sends costRequestId and userId with the caller metadata and leaves the caller command alone', async () => {
    bedrock.on(ConverseCommand).resolves(reply);
    const api = fakeCostApi();
    const { client } = wrap(api);
    const command = new ConverseCommand({ ...converse().input, requestMetadata: { team: 'search' } });
    await client.send(command);
    await client.flush();
    const sent = bedrock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(sent?.requestMetadata).toEqual({
      team: 'search',
      costRequestId: api.reports[0]?.requestId,
      userId: 'alice',
    });
    expect(api.reports[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(command.input.requestMetadata).toEqual({ team: 'search' });
  });

  it('tags stream calls, under a configured user key, and can be switched off', async () => {
    async function* events(): AsyncGenerator<ConverseStreamOutput> {
      yield {
        metadata: { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } },
      };
    }
    bedrock.on(ConverseStreamCommand).callsFake(async () => ({ stream: events() }));
    const api = fakeCostApi();
    const { client } = wrap(api, { userIdMetadataKey: 'app-user' });
    const res = await client.send(new ConverseStreamCommand(converse().input));
    for await (const _ of res.stream ?? []) {
      // drain
    }
    await client.flush();
    expect(bedrock.commandCalls(ConverseStreamCommand)[0]?.args[0].input.requestMetadata).toEqual({
      costRequestId: api.reports[0]?.requestId,
      'app-user': 'alice',
    });

    bedrock.reset();
    bedrock.on(ConverseCommand).resolves(reply);
    const plain = wrap(fakeCostApi(), { tagRequestMetadata: false }).client;
    const command = converse();
    await plain.send(command);
    expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0]).toBe(command);
    plain.stopTracking();
  });

  it('stays within Bedrock limits instead of failing the call', () => {
    const ids = { requestId: 'r-1', userId: 'alice@example.com' };
    expect(tagRequestMetadata(undefined, ids)).toEqual({ costRequestId: 'r-1', userId: 'alice@example.com' });
    // A user id Bedrock would reject (characters, length) is left out; the request id stays.
    expect(tagRequestMetadata({}, { requestId: 'r-1', userId: 'zoë' })).toEqual({ costRequestId: 'r-1' });
    expect(tagRequestMetadata({}, { requestId: 'r-1', userId: 'u'.repeat(257) })).toEqual({
      costRequestId: 'r-1',
    });
    // Sixteen entries at most: the caller's are kept, ours fill what room is left.
    const fifteen = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'v']));
    expect(tagRequestMetadata(fifteen, ids)).toEqual({ ...fifteen, costRequestId: 'r-1' });
    const full = { ...fifteen, k15: 'v' };
    expect(Object.keys(tagRequestMetadata(full, ids))).toHaveLength(REQUEST_METADATA_MAX_ENTRIES);
    expect(tagRequestMetadata(full, ids)).toEqual(full);
    // A caller's own costRequestId is replaced by the call's (it keys the usage report).
    expect(tagRequestMetadata({ ...full, costRequestId: 'theirs' }, ids).costRequestId).toBe('r-1');
  });
});
