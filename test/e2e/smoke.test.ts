import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { main, runSmoke, SMOKE_USER } from '../../scripts/smoke.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A } from '../support/runtime.js';

describe('npm run smoke against the local runtime', () => {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime({
      apiKeys: `${TENANT_A.tenant}:${TENANT_A.key},${TENANT_A.tenant}:smoke-viewer-key:viewer`,
    });
  });
  afterAll(() => runtime?.close());

  it('passes every check and leaves nothing under the smoke-test user', async () => {
    const lines: string[] = [];
    // Another user's data must not be touched by the clean-up.
    const alice = await call(runtime.apiBase, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: {
        requestId: 'smoke-neighbour',
        userId: 'alice',
        modelId: 'amazon.nova-micro-v1:0',
        inputTokens: 1000,
        outputTokens: 100,
      },
    });
    expect(alice.status).toBe(201);
    const checks = await runSmoke(runtime.url, TENANT_A.key, { print: (l) => lines.push(l) });
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['health', true],
      ['authentication', true],
      ['track usage', true],
      ['analytics', true],
      ['threshold round trip', true],
      ['clean up', true],
    ]);
    expect(lines.every((l) => l.startsWith('ok '))).toBe(true);
    const today = new Date().toISOString().slice(0, 10);
    const smoke = await call(runtime.apiBase, 'GET', `/analytics/${SMOKE_USER}?from=${today}&to=${today}`, {
      key: TENANT_A.key,
    });
    expect((smoke.body as { totals: { requests: number } }).totals.requests).toBe(0);
    const thresholds = await call(runtime.apiBase, 'GET', `/thresholds/${SMOKE_USER}`, { key: TENANT_A.key });
    expect((thresholds.body as { items: unknown[] }).items).toEqual([]);
    const neighbour = await call(runtime.apiBase, 'GET', `/analytics/alice?from=${today}&to=${today}`, {
      key: TENANT_A.key,
    });
    expect((neighbour.body as { totals: { requests: number } }).totals.requests).toBe(1);
    // Run twice in a row: the second run starts from a clean user and passes as well.
    const again = await runSmoke(runtime.url, TENANT_A.key, { print: () => {} });
    expect(again.every((c) => c.ok)).toBe(true);
  }, 60_000);

  it('fails with a clear line when the key is wrong or may not write', async () => {
    const lines: string[] = [];
    const wrong = await runSmoke(runtime.url, 'not-a-known-key', { print: (l) => lines.push(l) });
    expect(wrong.map((c) => [c.name, c.ok])).toEqual([
      ['health', true],
      ['authentication', false],
    ]);
    expect(lines[1]).toMatch(/^FAIL authentication: expected 200, got 401/);
    const viewer = await runSmoke(runtime.url, 'smoke-viewer-key', { print: () => {} });
    expect(viewer.find((c) => c.name === 'track usage')).toMatchObject({ ok: false });
    expect(viewer.find((c) => c.name === 'track usage')?.detail).toMatch(/403/);
    const output: string[] = [];
    const log = console.log;
    console.log = (line: string) => output.push(line);
    try {
      expect(await main([runtime.url, 'not-a-known-key'])).toBe(1);
      expect(await main([runtime.url])).toBe(2);
    } finally {
      console.log = log;
    }
    expect(output.at(-1)).toMatch(/smoke check FAILED \(1 of 2\)/);
  }, 60_000);

  it('reports an unreachable service without throwing', async () => {
    const checks = await runSmoke('http://127.0.0.1:9', TENANT_A.key, { print: () => {} });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'health', ok: false });
  });
});
