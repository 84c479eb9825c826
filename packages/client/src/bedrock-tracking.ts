import type {
  ContentBlock,
  ConverseCommandInput,
  ConverseCommandOutput,
  ConverseStreamCommandOutput,
  ConverseStreamOutput,
  SystemContentBlock,
  TokenUsage,
} from '@aws-sdk/client-bedrock-runtime';
import { type CostClient, newRequestId, type TrackUsageEvent } from './cost-client.js';
import {
  CostApiError,
  CostControlCacheOnlyError,
  CostControlDeniedError,
  CostControlThrottledError,
} from './errors.js';
import { sleep } from './http-transport.js';
import type { CheckResult } from './types.js';
import {
  type FlushResult,
  type TrackingErrorHandler,
  type TrackingStage,
  UsageReporter,
} from './usage-reporter.js';

/** Anything with an AWS SDK v3 style `send`; in practice a `BedrockRuntimeClient`. */
export interface CommandSender {
  send: (...args: never[]) => unknown;
}

/** The input of `Converse` and `ConverseStream` (the fields the wrapper reads are the same). */
export type ConverseInput = ConverseCommandInput;

interface TrackingBase {
  costClient: Pick<CostClient, 'check' | 'trackUsage' | 'trackUsageBatch'>;
  /** The operation recorded with the usage (a name, or derived from the input). */
  operation?: string | ((input: ConverseInput) => string | undefined);
  tags?: Record<string, string>;
  /** Told about every tracking failure; it never changes the outcome of the model call. */
  onError?: TrackingErrorHandler;
  /** How often a throttled call checks again before throwing `CostControlThrottledError` (default 2). */
  maxThrottleRetries?: number;
  /** A throttle asking for a longer wait than this throws at once (default 10 s). */
  maxThrottleWaitMs?: number;
  /** Input tokens sent to `/check`; default: the text length of the messages and system prompt / 4. */
  estimateInputTokens?: (input: ConverseInput) => number;
  /** Buffered reports beyond this drop the oldest (default 10 000). */
  maxBuffered?: number;
  /** First background retry of buffered reports (default 1 s, doubling up to 60 s). */
  retryDelayMs?: number;
  /** How to wait for a throttle (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Whether calls carry `costRequestId` and the user in Bedrock's `requestMetadata` (default
   * true), so the invocation-log path recognises calls the wrapper already reported.
   */
  tagRequestMetadata?: boolean;
  /** The `requestMetadata` key of the user (default `userId`; the log import reads the same key). */
  userIdMetadataKey?: string;
}

export type CostTrackingOptions = TrackingBase &
  (
    | { userId: string; resolveUserId?: never }
    | { userId?: never; resolveUserId: (input: ConverseInput) => string | Promise<string> }
  );

/** What `withCostTracking` adds to the client. */
export interface CostTrackingControls {
  /** Sends every buffered usage report now; answers when the buffer is empty or the service still fails. */
  flush(): Promise<FlushResult>;
  /** Usage reports waiting to be sent again. */
  pending(): number;
  /** Stops the background retries of buffered reports (they stay; `flush()` still sends them). */
  stopTracking(): void;
}

type CommandKind = 'converse' | 'stream';
type AnyCommand = { input: ConverseInput; constructor: new (input: ConverseInput) => AnyCommand };
type Send = (command: unknown, ...rest: unknown[]) => Promise<unknown>;

const BEDROCK_RUNTIME = 'com.amazonaws.bedrockruntime';

/** The `requestMetadata` key of the wrapper's idempotency key (the log import reads it). */
export const COST_REQUEST_ID_METADATA_KEY = 'costRequestId';
/** Bedrock's limits on `requestMetadata`: at most 16 entries; keys 1-256, values 0-256 of these characters. */
export const REQUEST_METADATA_MAX_ENTRIES = 16;
const METADATA_KEY = /^[a-zA-Z0-9\s:_@$#=/+,\-.]{1,256}$/;
const METADATA_VALUE = /^[a-zA-Z0-9\s:_@$#=/+,\-.]{0,256}$/;

/**
 * The caller's `requestMetadata` plus the call's `costRequestId` and user, within Bedrock's
 * limits: the caller's own entries are kept; an entry of ours that Bedrock would reject (a user id
 * with other characters, more than 256 characters, no room left of the 16 entries) is left out,
 * so tagging can never fail the call. `costRequestId` is placed before the user.
 */
export function tagRequestMetadata(
  metadata: Record<string, string> | undefined,
  tags: { requestId: string; userId: string; userIdKey?: string },
): Record<string, string> {
  const result: Record<string, string> = { ...(metadata ?? {}) };
  const add = (key: string, value: string) => {
    if (!METADATA_KEY.test(key) || !METADATA_VALUE.test(value)) return;
    if (!Object.hasOwn(result, key) && Object.keys(result).length >= REQUEST_METADATA_MAX_ENTRIES) return;
    result[key] = value;
  };
  add(COST_REQUEST_ID_METADATA_KEY, tags.requestId);
  add(tags.userIdKey ?? 'userId', tags.userId);
  return result;
}

/**
 * `ConverseCommand` or `ConverseStreamCommand`, recognised without importing the SDK (it is an
 * optional peer): by class name, or by the operation in the command's schema when a bundler
 * renamed the classes.
 */
export function commandKind(command: unknown): CommandKind | undefined {
  if (typeof command !== 'object' || command === null) return undefined;
  const name = (command as { constructor?: { name?: unknown } }).constructor?.name;
  const schema = (command as { schema?: unknown }).schema;
  const operation =
    Array.isArray(schema) && schema[1] === BEDROCK_RUNTIME ? (schema[2] as unknown) : undefined;
  if (name === 'ConverseCommand' || operation === 'Converse') return 'converse';
  if (name === 'ConverseStreamCommand' || operation === 'ConverseStream') return 'stream';
  return undefined;
}

function textOf(blocks: readonly (ContentBlock | SystemContentBlock)[] | undefined): number {
  let chars = 0;
  for (const block of blocks ?? []) {
    if ('text' in block && typeof block.text === 'string') chars += block.text.length;
  }
  return chars;
}

/** A rough input token count: about four characters of text per token. */
export function estimateInputTokens(input: ConverseInput): number {
  let chars = textOf(input.system);
  for (const message of input.messages ?? []) chars += textOf(message.content);
  return Math.ceil(chars / 4);
}

/**
 * Wraps a Bedrock Runtime client so that every `Converse` and `ConverseStream` call is
 * checked with cost control first and its usage is reported afterwards; every other command
 * and property passes through untouched.
 *
 * - `/check` decides: `allow` calls as asked; `downgrade` calls the model it names; `deny`
 *   throws `CostControlDeniedError` and `cache_only` throws `CostControlCacheOnlyError`, both
 *   without calling Bedrock; `throttle` waits `retryAfterMs` and checks again, at most
 *   `maxThrottleRetries` times, then throws `CostControlThrottledError`.
 * - When `/check` itself fails (network, 5xx, any answer that is not a decision), the call goes
 *   ahead on the model asked for (fail open) and `onError` hears about it.
 * - The call carries its `requestId` (as `costRequestId`) and the user in Bedrock's
 *   `requestMetadata`, next to the caller's own entries, so a model invocation log record of it
 *   is recognised as already reported.
 * - Usage comes from the response's `usage` block (for a stream, from its `metadata` event,
 *   read as the events pass through) and is reported with a requestId generated once per call.
 *   A report that fails waits in memory and is sent again in the background; `flush()` sends
 *   all waiting reports now.
 */
export function withCostTracking<C extends CommandSender>(
  client: C,
  options: CostTrackingOptions,
): C & CostTrackingControls {
  const reporter = new UsageReporter({
    costClient: options.costClient,
    onError: options.onError,
    maxBuffered: options.maxBuffered,
    retryDelayMs: options.retryDelayMs,
  });
  const wait = options.sleep ?? sleep;
  const maxThrottleRetries = options.maxThrottleRetries ?? 2;
  const maxThrottleWaitMs = options.maxThrottleWaitMs ?? 10_000;
  const targetSend = (client.send as unknown as Send).bind(client);

  const notify = (error: unknown, stage: TrackingStage, requestId: string) => {
    try {
      options.onError?.(error, { stage, requestId });
    } catch {
      // Ignored: see UsageReporter.
    }
  };

  async function askCheck(
    userId: string,
    requestId: string,
    input: ConverseInput,
  ): Promise<CheckResult | undefined> {
    try {
      return await options.costClient.check({
        userId,
        requestId,
        modelId: input.modelId ?? '',
        estimatedInputTokens: (options.estimateInputTokens ?? estimateInputTokens)(input),
        ...(input.inferenceConfig?.maxTokens
          ? { estimatedOutputTokens: input.inferenceConfig.maxTokens }
          : {}),
      });
    } catch (error) {
      if (error instanceof CostApiError && error.status === 429) {
        return {
          decision: 'throttle',
          modelId: input.modelId ?? '',
          level: 'light',
          retryAfterMs: error.retryAfterMs ?? 1_000,
          reason: error.message,
          requestId,
        };
      }
      notify(error, 'check', requestId);
      return undefined;
    }
  }

  /** The model to call, or a thrown CostControlError. */
  async function decide(
    userId: string,
    requestId: string,
    input: ConverseInput,
  ): Promise<string | undefined> {
    const asked = input.modelId;
    for (let attempt = 0; ; attempt++) {
      const result = await askCheck(userId, requestId, input);
      if (result === undefined) return asked;
      const details = {
        userId,
        modelId: asked ?? '',
        level: result.level,
        retryAfterMs: result.retryAfterMs,
        reason: result.reason,
      };
      switch (result.decision) {
        case 'downgrade':
          return result.modelId;
        case 'deny':
          throw new CostControlDeniedError({ decision: 'deny', ...details });
        case 'cache_only':
          throw new CostControlCacheOnlyError({
            decision: 'cache_only',
            ...details,
            suggestedModelId: result.modelId,
          });
        case 'throttle':
          if (attempt >= maxThrottleRetries || result.retryAfterMs > maxThrottleWaitMs) {
            throw new CostControlThrottledError({ decision: 'throttle', ...details });
          }
          await wait(result.retryAfterMs);
          break;
        default:
          return asked;
      }
    }
  }

  function report(
    event: Omit<TrackUsageEvent, 'inputTokens' | 'outputTokens'>,
    usage: TokenUsage | undefined,
  ) {
    if (!usage) {
      notify(new Error('the response carried no usage block: nothing to report'), 'report', event.requestId);
      return;
    }
    reporter.report({
      ...event,
      inputTokens: usage.inputTokens ?? 0,
      outputTokens: usage.outputTokens ?? 0,
      cacheReadInputTokens: usage.cacheReadInputTokens ?? 0,
      cacheWriteInputTokens: usage.cacheWriteInputTokens ?? 0,
    });
  }

  async function* passThrough(
    stream: AsyncIterable<ConverseStreamOutput>,
    done: (usage: TokenUsage | undefined, latencyMs: number | undefined) => void,
  ): AsyncGenerator<ConverseStreamOutput> {
    let usage: TokenUsage | undefined;
    let latencyMs: number | undefined;
    try {
      for await (const event of stream) {
        if (event.metadata?.usage) usage = event.metadata.usage;
        if (event.metadata?.metrics?.latencyMs !== undefined) latencyMs = event.metadata.metrics.latencyMs;
        yield event;
      }
    } finally {
      done(usage, latencyMs);
    }
  }

  async function tracked(kind: CommandKind, command: AnyCommand, rest: unknown[]): Promise<unknown> {
    const input = command.input;
    const userId = options.userId ?? (await options.resolveUserId(input));
    // One id per call: it keys the check's reservation under a hard budget, and the usage report.
    const requestId = newRequestId();
    const modelId = await decide(userId, requestId, input);
    const tagged =
      options.tagRequestMetadata === false
        ? undefined
        : tagRequestMetadata(input.requestMetadata, {
            requestId,
            userId,
            userIdKey: options.userIdMetadataKey,
          });
    // A new command, never the caller's one changed: it may be sent again.
    const call =
      modelId !== input.modelId || tagged
        ? new command.constructor({ ...input, modelId, ...(tagged ? { requestMetadata: tagged } : {}) })
        : command;
    const operation = typeof options.operation === 'function' ? options.operation(input) : options.operation;
    const startedAt = Date.now();
    const event = {
      requestId,
      userId,
      modelId: modelId ?? '',
      timestamp: new Date(startedAt).toISOString(),
      ...(operation ? { operation } : {}),
      ...(options.tags ? { tags: options.tags } : {}),
    };
    const latency = (measured: number | undefined) =>
      Math.min(3_600_000, Math.max(0, Math.round(measured ?? Date.now() - startedAt)));
    const response = await targetSend(call, ...rest);
    if (kind === 'converse') {
      const out = response as ConverseCommandOutput;
      report({ ...event, latencyMs: latency(out.metrics?.latencyMs) }, out.usage);
      return response;
    }
    const out = response as ConverseStreamCommandOutput;
    if (out.stream) {
      out.stream = passThrough(out.stream, (usage, latencyMs) =>
        report({ ...event, latencyMs: latency(latencyMs) }, usage),
      );
    }
    return response;
  }

  function send(command: unknown, ...rest: unknown[]): unknown {
    const kind = commandKind(command);
    if (!kind) return targetSend(command, ...rest);
    const last = rest[rest.length - 1];
    const callback =
      typeof last === 'function' ? (last as (err: unknown, data?: unknown) => void) : undefined;
    const result = tracked(kind, command as AnyCommand, callback ? rest.slice(0, -1) : rest);
    if (!callback) return result;
    result.then(
      (data) => callback(null, data),
      (error) => callback(error),
    );
    return undefined;
  }

  const controls: CostTrackingControls = {
    flush: () => reporter.flush(),
    pending: () => reporter.pending(),
    stopTracking: () => reporter.close(),
  };

  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'send') return send;
      if (Object.hasOwn(controls, prop)) return controls[prop as keyof CostTrackingControls];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as C & CostTrackingControls;
}
