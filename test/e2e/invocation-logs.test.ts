import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { addNano, toUsd } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { importLogFiles } from '../../scripts/logs-import.js';
import { call } from '../support/http.js';
import {
  CALLS,
  invocationLogFixture,
  MAPPED_ROLE,
  REDELIVERED,
  TRACKED,
} from '../support/invocation-log-fixture.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

let runtime: LocalRuntime;
let dir: string;
const base = Date.now() - 3600_000;
const { callOf, recordOf, calls, lines, reportedBatches, costOf } = invocationLogFixture(base);

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
    for (const events of reportedBatches()) {
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
