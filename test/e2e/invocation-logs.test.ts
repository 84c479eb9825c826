import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { addNano, priceUsage, toUsd } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { importLogFiles } from '../../scripts/logs-import.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

const ACCOUNT = '123456789012';
const MAPPED_ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-jobs`;
const MAPPED_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/batch-jobs/nightly`;
const UNMAPPED_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/someone-elses-script/run-1`;
const MODELS = ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'us.anthropic.claude-3-5-haiku-20241022-v1:0'];
const CALLS = 1000;
const TRACKED = 200;
const REDELIVERED = { from: 300, count: 50 };

let runtime: LocalRuntime;
let dir: string;
const base = Date.now() - 3600_000;

interface Call {
  i: number;
  userId: string;
  modelId: string;
  timestamp: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** The i-th model call: who made it, on which model, with which tokens. */
function callOf(i: number): Call {
  const userId =
    i < TRACKED ? (i % 2 ? 'alice' : 'bob') : ['alice', 'bob', 'batch-owner', 'unattributed'][i % 4];
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
}

/** The invocation log record Bedrock writes for a call (`ModelInvocationLog`, schema 1.0). */
function recordOf(c: Call, overrides: Record<string, unknown> = {}) {
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
}

const calls = Array.from({ length: CALLS }, (_, i) => callOf(i));
const lines = [
  ...calls.map((c) => recordOf(c)),
  // Delivered twice.
  ...calls.slice(REDELIVERED.from, REDELIVERED.from + REDELIVERED.count).map((c) => recordOf(c)),
  // Failed invocations: no tokens billed.
  ...Array.from({ length: 10 }, (_, k) =>
    recordOf(callOf(2000 + k), { errorCode: 'ThrottlingException', output: undefined }),
  ),
  // A schema this parser does not know.
  ...Array.from({ length: 5 }, (_, k) => recordOf(callOf(3000 + k), { schemaVersion: '9.9' })),
];

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

beforeAll(async () => {
  process.env.INVOCATION_LOG_IDENTITY_MAP = JSON.stringify({ [MAPPED_ROLE]: 'batch-owner' });
  runtime = await startTestRuntime();
  dir = mkdtempSync(join(tmpdir(), 'invocation-logs-'));
  writeFileSync(
    join(dir, 'delivery.json.gz'),
    gzipSync(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`),
  );
}, 60_000);
afterAll(async () => {
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('importing Bedrock invocation logs', () => {
  it('adds only the calls nobody reported, once each, priced to the nano-dollar', async () => {
    // The client wrapper already reported 200 calls (with a tag the log does not carry).
    for (let start = 0; start < TRACKED; start += 25) {
      const events = calls.slice(start, start + 25).map((c) => ({
        requestId: `wrap-${c.i}`,
        userId: c.userId,
        modelId: c.modelId,
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
        cacheReadInputTokens: c.cacheReadInputTokens,
        cacheWriteInputTokens: c.cacheWriteInputTokens,
        timestamp: c.timestamp,
        tags: { feature: 'search' },
      }));
      const res = await call<{ results: { status: number }[] }>(
        runtime.apiBase,
        'POST',
        '/track-usage/batch',
        {
          key: TENANT_A.key,
          body: { events },
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.results.every((r) => r.status === 201)).toBe(true);
    }

    const totals = await importLogFiles([dir], { apiUrl: runtime.apiBase, apiKey: TENANT_A.key });
    expect(totals).toMatchObject({
      files: 1,
      records: CALLS + REDELIVERED.count + 15,
      recorded: CALLS - TRACKED,
      duplicates: TRACKED + REDELIVERED.count,
      unattributed: (CALLS - TRACKED) / 4,
      skipped: 10,
      rejected: 5,
      unreadable: 0,
    });
    expect(totals.problems.filter((p) => p.includes('unsupported-schema-version'))).toHaveLength(5);

    const from = new Date(base - 2 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date().toISOString().slice(0, 10);
    for (const userId of ['alice', 'bob', 'batch-owner', 'unattributed']) {
      const mine = calls.filter((c) => c.userId === userId);
      const res = await call<{ totals: { requests: number; costUsd: number; inputTokens: number } }>(
        runtime.apiBase,
        'GET',
        `/analytics/${userId}?from=${from}&to=${to}`,
        { key: TENANT_A.key },
      );
      expect(res.status, userId).toBe(200);
      expect(res.body.totals.requests, userId).toBe(mine.length);
      expect(res.body.totals.inputTokens, userId).toBe(mine.reduce((s, c) => s + c.inputTokens, 0));
      expect(res.body.totals.costUsd, userId).toBe(toUsd(addNano(...mine.map(costOf))));
    }
    // The tenant is the key's: nothing reached tenant B.
    const other = await call<{ totals: { requests: number } }>(
      runtime.apiBase,
      'GET',
      `/analytics/unattributed?from=${from}&to=${to}`,
      { key: TENANT_B.key },
    );
    expect(other.body.totals.requests).toBe(0);
  }, 120_000);

  it('answers a second import of the same file with duplicates only', async () => {
    const totals = await importLogFiles([dir], { apiUrl: runtime.apiBase, apiKey: TENANT_A.key });
    expect(totals).toMatchObject({
      recorded: 0,
      duplicates: CALLS + REDELIVERED.count,
      skipped: 10,
      rejected: 5,
    });
  }, 120_000);

  it('reports skipped and rejected records with their index and reason', async () => {
    const res = await call<{
      recorded: number;
      skipped: { index: number; reason: string }[];
      rejected: { index: number; message: string }[];
    }>(runtime.apiBase, 'POST', '/invocation-logs', {
      key: TENANT_B.key,
      body: {
        records: [lines[CALLS + REDELIVERED.count], recordOf(callOf(5000)), 'not a record', lines.at(-1)],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.recorded).toBe(1);
    expect(res.body.skipped).toEqual([expect.objectContaining({ index: 0, reason: 'failed-invocation' })]);
    expect(res.body.rejected.map((r) => r.index)).toEqual([2, 3]);
    expect(res.body.rejected[1]?.message).toMatch(/schema/);
  });

  it('reads CloudWatch subscription payloads and counts unreadable files without stopping', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    const fixture = readFileSync(
      join(import.meta.dirname, '..', 'fixtures', 'invocation-logs', 'cloudwatch-subscription.json'),
    );
    // As a subscribed function receives it: gzipped, base64, under awslogs.data.
    writeFileSync(
      join(mixed, 'a-subscription.json'),
      JSON.stringify({ awslogs: { data: gzipSync(fixture).toString('base64') } }),
    );
    writeFileSync(
      join(mixed, 'b-truncated.json.gz'),
      gzipSync('{"schemaType":"ModelInvocationLog"}\n').subarray(0, 12),
    );
    writeFileSync(join(mixed, 'c-lines.jsonl'), `not json\n${JSON.stringify(recordOf(callOf(6000)))}\n`);
    const totals = await importLogFiles([mixed], { apiUrl: runtime.apiBase, apiKey: TENANT_B.key });
    expect(totals.files).toBe(3);
    expect(totals.unreadable).toBe(2); // the truncated file and the line that is not JSON
    expect(totals.records).toBeGreaterThanOrEqual(2);
    expect(totals.recorded).toBeGreaterThanOrEqual(2);
  });

  it('refuses more than 500 records in one call', async () => {
    const res = await call(runtime.apiBase, 'POST', '/invocation-logs', {
      key: TENANT_B.key,
      body: { records: Array.from({ length: 501 }, () => ({})) },
    });
    expect(res.status).toBe(400);
  });
});
