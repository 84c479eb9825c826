import { priceUsage } from '@cost-management/core';

/**
 * The 1,000-call invocation-log fixture: calls of four users on two models, 200 of them already
 * reported by the client wrapper (their `costRequestId` in `requestMetadata`), 50 delivered twice,
 * plus 10 failed invocations and 5 records of an unknown schema version. Importing it through any
 * path must add exactly the 800 calls nobody reported.
 */
export const ACCOUNT = '123456789012';
export const MAPPED_ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-jobs`;
export const MAPPED_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/batch-jobs/nightly`;
export const UNMAPPED_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/someone-elses-script/run-1`;
export const MODELS = [
  'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'us.anthropic.claude-3-5-haiku-20241022-v1:0',
];
export const CALLS = 1000;
export const TRACKED = 200;
export const REDELIVERED = { from: 300, count: 50 };
export const FAILED = 10;
export const UNKNOWN_SCHEMA = 5;
export const USERS = ['alice', 'bob', 'batch-owner', 'unattributed'] as const;

export interface Call {
  i: number;
  userId: string;
  modelId: string;
  timestamp: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** The fixture for calls made in the hour before `base` (milliseconds). */
export function invocationLogFixture(base: number) {
  /** The i-th model call: who made it, on which model, with which tokens. */
  const callOf = (i: number): Call => {
    const userId = i < TRACKED ? (i % 2 ? 'alice' : 'bob') : USERS[i % 4];
    return {
      i,
      userId: userId as string,
      modelId: MODELS[i % MODELS.length] as string,
      timestamp: new Date(base - i * 37_000).toISOString(),
      inputTokens: 100 + i,
      outputTokens: 50 + (i % 17),
      // Prompt caching on the Haiku profile only (the Sonnet model has none on Bedrock).
      cacheReadInputTokens: i % 2 === 1 && i % 3 === 0 ? 2000 : 0,
      cacheWriteInputTokens: i % 2 === 1 && i % 5 === 0 ? 300 : 0,
    };
  };

  /** The invocation log record Bedrock writes for a call (`ModelInvocationLog`, schema 1.0). */
  const recordOf = (c: Call, overrides: Record<string, unknown> = {}) => {
    const metadata: Record<string, string> = {};
    if (c.i < TRACKED) metadata.costRequestId = `wrap-${c.i}`;
    if (c.userId === 'alice' || c.userId === 'bob') metadata.userId = c.userId;
    metadata.team = 'search';
    return {
      schemaType: 'ModelInvocationLog',
      schemaVersion: '1.0',
      timestamp: c.timestamp,
      accountId: ACCOUNT,
      identity: { arn: c.userId === 'batch-owner' ? MAPPED_SESSION : UNMAPPED_SESSION },
      region: 'us-east-1',
      requestId: `0000${c.i.toString(16).padStart(4, '0')}-1b2a-4c55-9d0e-0a1b2c3d4e5f`,
      operation: c.i % 2 ? 'Converse' : 'InvokeModel',
      modelId: c.modelId,
      input: {
        inputContentType: 'application/json',
        inputBodyJson: { messages: [{ role: 'user', content: [{ text: `question ${c.i}` }] }] },
        inputTokenCount: c.inputTokens,
        cacheReadInputTokenCount: c.cacheReadInputTokens,
        cacheWriteInputTokenCount: c.cacheWriteInputTokens,
      },
      output: {
        outputContentType: 'application/json',
        outputBodyJson: { stopReason: 'end_turn' },
        outputTokenCount: c.outputTokens,
      },
      requestMetadata: metadata,
      ...overrides,
    };
  };

  const calls = Array.from({ length: CALLS }, (_, i) => callOf(i));
  const lines = [
    ...calls.map((c) => recordOf(c)),
    // Delivered twice.
    ...calls.slice(REDELIVERED.from, REDELIVERED.from + REDELIVERED.count).map((c) => recordOf(c)),
    // Failed invocations: no tokens billed.
    ...Array.from({ length: FAILED }, (_, k) =>
      recordOf(callOf(2000 + k), { errorCode: 'ThrottlingException', output: undefined }),
    ),
    // A schema this parser does not know.
    ...Array.from({ length: UNKNOWN_SCHEMA }, (_, k) => recordOf(callOf(3000 + k), { schemaVersion: '9.9' })),
  ];

  /** The 200 calls the wrapper reported, as `/track-usage/batch` bodies of 25 events (with a tag the log lacks). */
  const reportedBatches = () => {
    const batches: Record<string, unknown>[][] = [];
    for (let start = 0; start < TRACKED; start += 25) {
      batches.push(
        calls.slice(start, start + 25).map((c) => ({
          requestId: `wrap-${c.i}`,
          userId: c.userId,
          modelId: c.modelId,
          inputTokens: c.inputTokens,
          outputTokens: c.outputTokens,
          cacheReadInputTokens: c.cacheReadInputTokens,
          cacheWriteInputTokens: c.cacheWriteInputTokens,
          timestamp: c.timestamp,
          tags: { feature: 'search' },
        })),
      );
    }
    return batches;
  };

  const costOf = (c: Call) =>
    priceUsage({
      modelId: c.modelId,
      at: c.timestamp,
      usage: {
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
        cacheReadInputTokens: c.cacheReadInputTokens,
        cacheWriteInputTokens: c.cacheWriteInputTokens,
      },
    }).costNano;

  return { callOf, recordOf, calls, lines, reportedBatches, costOf };
}
