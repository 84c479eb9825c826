import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { freePort, waitUntil } from '../../local/free-port.js';
import { call } from '../support/http.js';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
let database: DynamoDbLocal | undefined;

/**
 * Starts `npm start`'s program in its own process group: SIGKILL to the group takes down the
 * runtime and, when it started one (no `dynamodbEndpoint`), its DynamoDB Local with it.
 */
async function startRuntime(port: number, storage: { dataDir: string } | { dynamodbEndpoint: string }) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: 'dataDir' in storage ? storage.dataDir : '',
      DYNAMODB_ENDPOINT: 'dynamodbEndpoint' in storage ? storage.dynamodbEndpoint : '',
      TABLE_PREFIX: 'crash',
      API_KEYS: '',
      // Other test files run runtimes at the same time: no fixed SES port, no sweep timer.
      SES_PORT: '0',
      SWEEP_INTERVAL_SECONDS: '0',
    },
    detached: true,
    stdio: 'ignore',
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const base = `http://127.0.0.1:${port}/api/cost-management`;
  await waitUntil(async () => (await fetch(`${base}/health`)).ok, 60_000, 'the local runtime');
  return proc;
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    if (proc.pid) process.kill(-proc.pid, signal);
  } catch {
    // already gone
  }
}

afterAll(async () => {
  for (const proc of children) killGroup(proc, 'SIGTERM');
  await database?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const event = (i: number) => ({
  requestId: `crash-${i}`,
  userId: 'erin',
  modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
  inputTokens: 100 + i,
  outputTokens: 50,
});

/**
 * Sends events from 8 concurrent callers until 150 are acknowledged, kills the runtime's process
 * group with SIGKILL, starts it again on the same data and replays every acknowledged event.
 * Answers the acknowledged events whose replay was recorded anew (lost), after checking that the
 * aggregates agree exactly with the records that exist (none half-written).
 */
async function crashAndReplay(
  storage: { dataDir: string } | { dynamodbEndpoint: string },
): Promise<{ acknowledged: number[]; lost: number[] }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/api/cost-management`;
  let child = await startRuntime(port, storage);
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

  child = await startRuntime(port, storage);
  try {
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
    return { acknowledged, lost };
  } finally {
    // A graceful stop: the runtime stops the DynamoDB Local it started, so its data directory is free.
    killGroup(child, 'SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  }
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

describe('crash safety of the local runtime', () => {
  it('loses no acknowledged event when the service is killed with SIGKILL mid-load, and leaves no aggregate without its record', {
    timeout: 180_000,
  }, async () => {
    // The database outlives the service, as DynamoDB outlives a Lambda instance: what is tested is
    // the service's own crash safety (one transaction per event, acknowledged only once committed).
    database = await startDynamoDbLocal({ dataDir: tempDir('cost-crash-db-') });
    const { acknowledged, lost } = await crashAndReplay({ dynamodbEndpoint: database.endpoint });
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    expect(lost).toEqual([]);
  });

  it('keeps the data of `npm start` when the runtime and its DynamoDB Local are killed together', {
    timeout: 180_000,
  }, async () => {
    // SIGKILL also takes down DynamoDB Local, whose durability this test does not control: it has
    // now and then lost the last transaction it acknowledged before the kill (1 run in about 8 on a
    // busy machine). What must hold: the data directory is taken over by the next start, the
    // aggregates agree exactly with the records that survived, and at most that one is missing.
    const { acknowledged, lost } = await crashAndReplay({ dataDir: tempDir('cost-crash-') });
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    expect(lost.length).toBeLessThanOrEqual(1);
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
