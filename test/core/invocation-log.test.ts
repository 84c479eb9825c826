import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type InvocationLogResult,
  type InvocationUsageEvent,
  identityMapper,
  isSubscriptionPayload,
  modalityOf,
  parseInvocationLog,
  recordsFromJsonLines,
  recordsFromSubscription,
} from '../../packages/core/src/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'invocation-logs');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

const BATCH_ROLE = 'arn:aws:iam::123456789012:role/batch-jobs';
const mapping = identityMapper({ [BATCH_ROLE]: 'batch' });

function usage(result: InvocationLogResult): InvocationUsageEvent {
  if (result.kind !== 'usage') throw new Error(`expected usage, got ${result.kind}: ${result.message}`);
  return result.event;
}

/** A minimal valid Converse record; `fields` override or add top-level fields. */
function base(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: '2026-11-23T10:00:00Z',
    accountId: '123456789012',
    identity: { arn: 'arn:aws:sts::123456789012:assumed-role/batch-jobs/run-1' },
    region: 'eu-central-1',
    requestId: 'req-1',
    operation: 'Converse',
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    input: { inputTokenCount: 10 },
    output: { outputTokenCount: 2 },
    ...fields,
  };
}

describe('the fixture deliveries', () => {
  const lines = recordsFromJsonLines(fixture('records.jsonl').toString('utf8'));
  const results = lines.records.map((r) => parseInvocationLog(r, { userOfIdentity: mapping }));

  it('splits the JSON lines, and the gzipped S3 delivery holds the same records', () => {
    expect(lines.errors).toEqual([]);
    expect(lines.records).toHaveLength(8);
    const gz = recordsFromJsonLines(gunzipSync(fixture('s3-delivery.json.gz')).toString('utf8'));
    expect(gz).toEqual(lines);
  });

  it('classifies every record on purpose', () => {
    expect(results.map((r) => (r.kind === 'usage' ? 'usage' : `${r.kind}:${r.reason}`))).toEqual([
      'usage',
      'usage',
      'usage',
      'skipped:failed-invocation',
      'usage',
      'skipped:not-token-priced',
      'rejected:unsupported-schema-version',
      'rejected:missing-token-counts',
    ]);
  });

  it('reads a call the wrapper reported under its costRequestId and metadata user', () => {
    expect(usage(results[0]!)).toEqual({
      idempotencyKey: 'wrapper-req-0001',
      userId: 'alice',
      attribution: 'request-metadata',
      modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      modality: 'text',
      operation: 'Converse',
      inputTokens: 1000,
      outputTokens: 500,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
      timestamp: '2026-11-23T10:00:00.000Z',
      accountId: '123456789012',
      region: 'us-east-1',
      identityArn: 'arn:aws:sts::123456789012:assumed-role/product-backend/i-0abc',
      bedrockRequestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e01',
      requestMetadata: { costRequestId: 'wrapper-req-0001', userId: 'alice', team: 'search' },
    });
  });

  it('keys an unreported call by its Bedrock request id and attributes it by role, with cache tokens', () => {
    expect(usage(results[1]!)).toMatchObject({
      idempotencyKey: 'bedrock:6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e02',
      userId: 'batch',
      attribution: 'identity',
      modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      operation: 'ConverseStream',
      inputTokens: 120,
      outputTokens: 300,
      cacheReadInputTokens: 4000,
      cacheWriteInputTokens: 800,
      timestamp: '2026-11-23T02:15:07.125Z',
    });
    expect(usage(results[2]!)).toMatchObject({
      userId: null,
      attribution: 'none',
      inputTokens: 5,
      outputTokens: 3,
    });
  });

  it('prices an embedding on its input tokens only, and says why the rest count nothing', () => {
    expect(usage(results[4]!)).toMatchObject({
      modality: 'embedding',
      userId: 'bob',
      inputTokens: 3,
      outputTokens: 0,
    });
    expect(results[3]).toMatchObject({
      message: expect.stringContaining('ThrottlingException'),
      bedrockRequestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e04',
    });
    expect(results[5]).toMatchObject({ message: expect.stringContaining('images') });
    expect(results[6]).toMatchObject({ message: expect.stringContaining('"2.0"') });
    expect(results[7]).toMatchObject({ message: 'output.outputTokenCount missing' });
  });

  it('reads a CloudWatch subscription payload and recognises a control message', () => {
    const payload = JSON.parse(fixture('cloudwatch-subscription.json').toString('utf8'));
    expect(isSubscriptionPayload(payload)).toBe(true);
    const split = recordsFromSubscription(payload);
    expect(split).toEqual({ records: lines.records.slice(0, 3), errors: [], control: false });
    const control = JSON.parse(fixture('cloudwatch-control.json').toString('utf8'));
    expect(isSubscriptionPayload(control)).toBe(true);
    expect(recordsFromSubscription(control)).toEqual({ records: [], errors: [], control: true });
    expect(isSubscriptionPayload(lines.records[0])).toBe(false);
    expect(isSubscriptionPayload([])).toBe(false);
  });
});

describe('parseInvocationLog', () => {
  it('rejects what is not a record of a known schema, with the reason', () => {
    for (const value of [null, [], 'text', 42]) {
      expect(parseInvocationLog(value)).toMatchObject({
        kind: 'rejected',
        reason: 'not-a-record',
        bedrockRequestId: null,
      });
    }
    expect(parseInvocationLog(base({ schemaType: 'Other' }))).toMatchObject({
      reason: 'unknown-schema-type',
      bedrockRequestId: 'req-1',
    });
    expect(parseInvocationLog(base({ schemaType: undefined }))).toMatchObject({
      reason: 'unknown-schema-type',
      message: 'schemaType null is not ModelInvocationLog',
    });
    expect(parseInvocationLog(base({ schemaVersion: 1 }))).toMatchObject({
      reason: 'unsupported-schema-version',
    });
    expect(parseInvocationLog(base({ schemaVersion: undefined }))).toMatchObject({
      message: expect.stringContaining('null'),
    });
  });

  it('rejects a record without the fields every call has', () => {
    for (const field of ['requestId', 'modelId', 'timestamp', 'accountId', 'region']) {
      expect(parseInvocationLog(base({ [field]: '' }))).toMatchObject({
        kind: 'rejected',
        reason: 'missing-field',
        message: `${field} is missing`,
      });
    }
    expect(parseInvocationLog(base({ requestId: 7 }))).toMatchObject({
      reason: 'missing-field',
      bedrockRequestId: null,
    });
    expect(parseInvocationLog(base({ timestamp: 'yesterday' }))).toMatchObject({
      reason: 'invalid-timestamp',
    });
  });

  it('rejects token counts that are missing or not non-negative integers', () => {
    expect(parseInvocationLog(base({ input: {}, output: {} }))).toMatchObject({
      reason: 'missing-token-counts',
      message: 'input.inputTokenCount and output.outputTokenCount missing',
    });
    expect(parseInvocationLog(base({ input: undefined }))).toMatchObject({
      message: 'input.inputTokenCount missing',
    });
    for (const bad of [-1, 1.5, '10', Number.MAX_SAFE_INTEGER + 1]) {
      expect(parseInvocationLog(base({ output: { outputTokenCount: bad } }))).toMatchObject({
        reason: 'invalid-token-count',
      });
    }
    expect(
      parseInvocationLog(base({ input: { inputTokenCount: 1, cacheReadInputTokenCount: -3 } })),
    ).toMatchObject({
      reason: 'invalid-token-count',
      message: expect.stringContaining('input.cacheReadInputTokenCount'),
    });
    // Null cache counts are absent counts: zero.
    expect(
      usage(parseInvocationLog(base({ input: { inputTokenCount: 1, cacheWriteInputTokenCount: null } }))),
    ).toMatchObject({ cacheWriteInputTokens: 0 });
  });

  it('skips failed calls and media generation before looking at tokens', () => {
    expect(parseInvocationLog(base({ errorCode: 'ValidationException', output: undefined }))).toMatchObject({
      kind: 'skipped',
      reason: 'failed-invocation',
    });
    // An empty errorCode is no error.
    expect(parseInvocationLog(base({ errorCode: '' })).kind).toBe('usage');
    expect(parseInvocationLog(base({ modelId: 'luma.ray-v2:0', input: {} }))).toMatchObject({
      reason: 'not-token-priced',
      message: expect.stringContaining('video'),
    });
    expect(parseInvocationLog(base({ modelId: 'amazon.titan-embed-text-v2:0', input: {} }))).toMatchObject({
      kind: 'skipped',
      reason: 'embedding-without-tokens',
    });
  });

  it('falls back to the Bedrock request id when costRequestId is empty, and ignores non-string metadata', () => {
    const event = usage(
      parseInvocationLog(
        base({ requestMetadata: { costRequestId: '', userId: 42, team: 'x' }, operation: '' }),
      ),
    );
    expect(event).toMatchObject({
      idempotencyKey: 'bedrock:req-1',
      userId: null,
      operation: null,
      requestMetadata: { costRequestId: '', team: 'x' },
    });
    expect(usage(parseInvocationLog(base({ requestMetadata: 'nope' }))).requestMetadata).toEqual({});
  });

  it('takes the user from the configured metadata key, then the identity mapping, else none', () => {
    const record = base({ requestMetadata: { 'app-user': 'carol', userId: 'ignored' } });
    expect(usage(parseInvocationLog(record, { userIdMetadataKey: 'app-user' }))).toMatchObject({
      userId: 'carol',
      attribution: 'request-metadata',
    });
    expect(usage(parseInvocationLog(base(), { userOfIdentity: mapping }))).toMatchObject({
      userId: 'batch',
      attribution: 'identity',
    });
    expect(usage(parseInvocationLog(base(), { userOfIdentity: () => '' }))).toMatchObject({
      attribution: 'none',
    });
    const asked: string[] = [];
    const noIdentity = base({ identity: undefined });
    const userOfIdentity = (arn: string) => {
      asked.push(arn);
      return 'x';
    };
    const event = usage(parseInvocationLog(noIdentity, { userOfIdentity }));
    expect(event).toMatchObject({ userId: null, identityArn: null });
    expect(asked).toEqual([]);
    expect(usage(parseInvocationLog(base({ identity: { arn: '' } }))).identityArn).toBeNull();
  });
});

describe('modalityOf', () => {
  it('tells text, embedding, image and video models apart in every spelling', () => {
    expect(modalityOf('anthropic.claude-3-haiku-20240307-v1:0')).toBe('text');
    expect(modalityOf('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('text');
    expect(modalityOf('cohere.embed-english-v3')).toBe('embedding');
    expect(modalityOf('arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v1')).toBe(
      'embedding',
    );
    expect(modalityOf('amazon.titan-image-generator-v2:0')).toBe('image');
    expect(modalityOf('stability.sd3-5-large-v1:0')).toBe('image');
    expect(modalityOf('us.stability.stable-image-core-v1:1')).toBe('image');
    expect(modalityOf('amazon.nova-reel-v1:1')).toBe('video');
  });
});

describe('identityMapper', () => {
  const map = identityMapper({
    'arn:aws:iam::123456789012:user/dana': 'dana',
    'arn:aws:sts::123456789012:assumed-role/support/ticket-bot': 'ticket-bot',
    'arn:aws:sts::123456789012:assumed-role/support': 'support-team',
    [BATCH_ROLE]: 'batch',
  });

  it('matches a session, then its role as STS and as IAM ARN', () => {
    expect(map('arn:aws:iam::123456789012:user/dana')).toBe('dana');
    expect(map('arn:aws:sts::123456789012:assumed-role/support/ticket-bot')).toBe('ticket-bot');
    expect(map('arn:aws:sts::123456789012:assumed-role/support/other')).toBe('support-team');
    expect(map('arn:aws:sts::123456789012:assumed-role/batch-jobs/nightly')).toBe('batch');
    expect(map('arn:aws:sts::123456789012:assumed-role/unknown/s')).toBeUndefined();
    expect(map('arn:aws:iam::123456789012:user/eve')).toBeUndefined();
  });
});

describe('splitting deliveries', () => {
  it('reads JSON lines with CRLF and blank lines, naming the lines that are not JSON', () => {
    const text = `${JSON.stringify({ a: 1 })}\r\n\n{oops\n${JSON.stringify({ b: 2 })}\n`;
    expect(recordsFromJsonLines(text)).toEqual({
      records: [{ a: 1 }, { b: 2 }],
      errors: [{ position: 3, message: expect.stringContaining('not JSON') }],
    });
    expect(recordsFromJsonLines('')).toEqual({ records: [], errors: [] });
  });

  it('refuses payloads that are not subscription data and names bad log events', () => {
    expect(recordsFromSubscription('x').errors).toHaveLength(1);
    expect(recordsFromSubscription({ messageType: 'OTHER', logEvents: [] }).errors[0]?.message).toMatch(
      /not a CloudWatch/,
    );
    expect(recordsFromSubscription({ messageType: 'DATA_MESSAGE' }).errors).toHaveLength(1);
    const split = recordsFromSubscription({
      messageType: 'DATA_MESSAGE',
      logEvents: [{ message: '{"a":1}' }, { id: 'no message' }, 'str', { message: 'not json' }],
    });
    expect(split).toEqual({
      records: [{ a: 1 }],
      errors: [
        { position: 1, message: 'log event has no message' },
        { position: 2, message: 'log event has no message' },
        { position: 3, message: expect.stringContaining('not JSON') },
      ],
      control: false,
    });
  });
});
