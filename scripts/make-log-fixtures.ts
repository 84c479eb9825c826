/**
 * Writes the Bedrock model invocation log fixtures under test/fixtures/invocation-logs/:
 * records shaped as Bedrock documents `ModelInvocationLog` (schemaVersion 1.0), one of each kind
 * the import must handle on purpose, delivered three ways:
 * - `records.jsonl`: JSON lines, as in an S3 delivery once gunzipped;
 * - `s3-delivery.json.gz`: the same lines gzipped, as Bedrock writes them to S3;
 * - `cloudwatch-subscription.json` and `cloudwatch-control.json`: decoded CloudWatch Logs
 *   subscription payloads (a DATA_MESSAGE carrying records, and a CONTROL_MESSAGE).
 * `npx tsx scripts/make-log-fixtures.ts`; the output is deterministic (gzip without a timestamp).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'invocation-logs');
const ACCOUNT = '123456789012';
const ROLE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/product-backend/i-0abc`;
const BATCH_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/batch-jobs/nightly-summary`;
const IAM_USER = `arn:aws:iam::${ACCOUNT}:user/dana`;

const messages = (text: string) => [{ role: 'user', content: [{ text }] }];

function record(fields: Record<string, unknown>) {
  return {
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: '2026-11-23T10:00:00Z',
    accountId: ACCOUNT,
    identity: { arn: ROLE_SESSION },
    region: 'us-east-1',
    ...fields,
  };
}

function converseOutput(text: string, usage: Record<string, number>, outputTokenCount: number) {
  return {
    outputContentType: 'application/json',
    outputBodyJson: {
      output: { message: { role: 'assistant', content: [{ text }] } },
      stopReason: 'end_turn',
      metrics: { latencyMs: 840 },
      usage,
    },
    outputTokenCount,
  };
}

export const RECORDS = [
  // 1. Reported by the client wrapper: costRequestId and userId in requestMetadata.
  record({
    requestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e01',
    operation: 'Converse',
    modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { messages: messages('Review this diff.'), inferenceConfig: { maxTokens: 800 } },
      inputTokenCount: 1000,
      cacheReadInputTokenCount: 0,
      cacheWriteInputTokenCount: 0,
    },
    output: converseOutput('Looks good.', { inputTokens: 1000, outputTokens: 500, totalTokens: 1500 }, 500),
    requestMetadata: { costRequestId: 'wrapper-req-0001', userId: 'alice', team: 'search' },
  }),
  // 2. A batch job on a cross-region profile with prompt caching, no metadata: attributed by its role.
  record({
    timestamp: '2026-11-23T02:15:07.125Z',
    identity: { arn: BATCH_SESSION },
    requestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e02',
    operation: 'ConverseStream',
    modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { messages: messages('Summarise the tickets of today.') },
      inputTokenCount: 120,
      cacheReadInputTokenCount: 4000,
      cacheWriteInputTokenCount: 800,
    },
    output: converseOutput(
      'Three tickets…',
      {
        inputTokens: 120,
        outputTokens: 300,
        totalTokens: 5220,
        cacheReadInputTokens: 4000,
        cacheWriteInputTokens: 800,
      },
      300,
    ),
  }),
  // 3. InvokeModel by an IAM user nobody mapped: unattributed.
  record({
    identity: { arn: IAM_USER },
    requestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e03',
    operation: 'InvokeModel',
    modelId: 'amazon.nova-lite-v1:0',
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { messages: messages('Hello') },
      inputTokenCount: 5,
    },
    output: {
      outputContentType: 'application/json',
      outputBodyJson: { output: { message: { role: 'assistant', content: [{ text: 'Hi!' }] } } },
      outputTokenCount: 3,
    },
  }),
  // 4. A failed call: errorCode set, nothing billed.
  record({
    requestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e04',
    operation: 'Converse',
    modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    errorCode: 'ThrottlingException',
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { messages: messages('Again?') },
    },
  }),
  // 5. An embedding: priced on its input tokens.
  record({
    requestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e05',
    operation: 'InvokeModel',
    modelId: 'amazon.titan-embed-text-v2:0',
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { inputText: 'cost management' },
      inputTokenCount: 3,
    },
    output: {
      outputContentType: 'application/json',
      outputBodyJson: { embedding: [0.01, -0.02], inputTextTokenCount: 3 },
    },
    requestMetadata: { userId: 'bob' },
  }),
  // 6. An image: priced per image, not per token.
  record({
    requestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e06',
    operation: 'InvokeModel',
    modelId: 'amazon.nova-canvas-v1:0',
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'a lighthouse' } },
    },
    output: { outputContentType: 'application/json', outputBodyJson: { images: ['<base64 elided>'] } },
  }),
  // 7. A schema version this parser does not know.
  {
    ...record({ requestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e07', modelId: 'amazon.nova-pro-v1:0' }),
    schemaVersion: '2.0',
  },
  // 8. A text call whose output token count is missing.
  record({
    requestId: '6f1f3c2e-1b2a-4c55-9d0e-0a1b2c3d4e08',
    operation: 'Converse',
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    input: { inputContentType: 'application/json', inputTokenCount: 10 },
    output: { outputContentType: 'application/json' },
  }),
];

const lines = `${RECORDS.map((r) => JSON.stringify(r)).join('\n')}\n`;
const subscription = {
  messageType: 'DATA_MESSAGE',
  owner: ACCOUNT,
  logGroup: '/aws/bedrock/modelinvocations',
  logStream: 'aws/bedrock/modelinvocations',
  subscriptionFilters: ['cost-management-invocation-logs'],
  logEvents: RECORDS.slice(0, 3).map((r, i) => ({
    id: `3795846373873528917290271520817658028730493940586604544${i}`,
    timestamp: Date.parse(r.timestamp),
    message: JSON.stringify(r),
  })),
};
const control = {
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [
    {
      id: '',
      timestamp: Date.parse('2026-11-23T10:00:00Z'),
      message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.',
    },
  ],
};

mkdirSync(DIR, { recursive: true });
writeFileSync(join(DIR, 'records.jsonl'), lines);
writeFileSync(join(DIR, 's3-delivery.json.gz'), gzipSync(lines));
writeFileSync(join(DIR, 'cloudwatch-subscription.json'), `${JSON.stringify(subscription, null, 2)}\n`);
writeFileSync(join(DIR, 'cloudwatch-control.json'), `${JSON.stringify(control, null, 2)}\n`);
console.log(`wrote ${RECORDS.length} records to test/fixtures/invocation-logs`);
