/**
 * Post-deploy smoke check of a running service (deployed or local):
 *
 *   npm run smoke -- <api-url> <admin-key>
 *
 * `<api-url>` is the API's URL (the `ApiUrl` output, or `http://127.0.0.1:3000`); the base path
 * `/api/cost-management` is added when missing. The key must be an admin key of a tenant.
 *
 * Checks, in order: health; a wrong key is refused; the model list; a tracked call of the
 * reserved user `smoke-test` (priced, then the same request again is a duplicate); its
 * analytics; a threshold round trip (create, list, delete). It then removes what it created: the
 * threshold is deleted and the user is erased (`DELETE /users/smoke-test`, waiting until the
 * erasure completes). The erased call's few nano-dollars stay in the tenant's totals under a
 * pseudonym, as every erasure keeps aggregate sums. Exit code 0 when every check passed, 1
 * otherwise; each line says what was checked.
 */
import { randomUUID } from 'node:crypto';
import { runMain } from './run-main.js';

export const SMOKE_USER = 'smoke-test';
/** A cheap model every catalog prices. */
const SMOKE_MODEL = 'amazon.nova-micro-v1:0';
const BASE_PATH = '/api/cost-management';

export interface SmokeOptions {
  /** Milliseconds to wait for the erasure to complete (default 60 s). */
  erasureTimeoutMs?: number;
  /** Where the lines go (default stdout). */
  print?: (line: string) => void;
}

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

class CheckFailed extends Error {}

/** The API base URL with the service's base path. */
export function apiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith(BASE_PATH) ? trimmed : `${trimmed}${BASE_PATH}`;
}

interface Answer {
  status: number;
  body: unknown;
}

/** Runs every check against `url` with `key`; cleans up even when a check fails. */
export async function runSmoke(url: string, key: string, options: SmokeOptions = {}): Promise<SmokeCheck[]> {
  const base = apiBase(url);
  const print = options.print ?? ((line: string) => console.log(line));
  const checks: SmokeCheck[] = [];

  async function call(method: string, path: string, body?: unknown, withKey = true): Promise<Answer> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(withKey ? { 'x-api-key': key } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: kept as text for the message.
    }
    return { status: response.status, body: parsed };
  }

  async function check(name: string, run: () => Promise<string>): Promise<boolean> {
    try {
      const detail = await run();
      checks.push({ name, ok: true, detail });
      print(`ok   ${name}: ${detail}`);
      return true;
    } catch (error) {
      const detail = error instanceof CheckFailed ? error.message : `${(error as Error).message}`;
      checks.push({ name, ok: false, detail });
      print(`FAIL ${name}: ${detail}`);
      return false;
    }
  }

  const expectStatus = (answer: Answer, ...statuses: number[]) => {
    if (!statuses.includes(answer.status)) {
      throw new CheckFailed(
        `expected ${statuses.join(' or ')}, got ${answer.status} ${describe(answer.body)}`,
      );
    }
    return answer.body as Record<string, unknown>;
  };

  const requestId = `smoke-${Date.now()}-${randomUUID().slice(0, 8)}`;
  const today = new Date().toISOString().slice(0, 10);
  let thresholdId: string | undefined;
  let costUsd = 0;
  /** Set before the first write: only then is there anything to remove. */
  let wrote = false;
  try {
    const healthy = await check('health', async () => {
      const body = expectStatus(await call('GET', '/health', undefined, false), 200);
      if (body.status !== 'ok') throw new CheckFailed(`status is ${describe(body.status)}`);
      return 'GET /health answered ok';
    });
    if (!healthy) return checks;
    const authorised = await check('authentication', async () => {
      const refused = await call('GET', '/models', undefined, false);
      if (refused.status !== 401)
        throw new CheckFailed(`a request without a key got ${refused.status}, not 401`);
      const models = expectStatus(await call('GET', '/models'), 200);
      const items = (models.items as unknown[] | undefined) ?? [];
      if (items.length === 0) throw new CheckFailed('GET /models listed no model');
      return `no key: 401; the key: ${items.length} models`;
    });
    if (!authorised) return checks;
    const tracked = await check('track usage', async () => {
      wrote = true;
      const event = {
        requestId,
        userId: SMOKE_USER,
        modelId: SMOKE_MODEL,
        inputTokens: 10,
        outputTokens: 10,
      };
      const first = expectStatus(await call('POST', '/track-usage', event), 201);
      if (first.priced !== true || typeof first.costUsd !== 'number' || first.costUsd <= 0) {
        throw new CheckFailed(`the call was not priced: ${describe(first)}`);
      }
      costUsd = first.costUsd;
      const again = expectStatus(await call('POST', '/track-usage', event), 200);
      if (again.duplicate !== true) throw new CheckFailed('the same requestId again was not a duplicate');
      return `${requestId} cost $${costUsd}; sent again: duplicate, not counted twice`;
    });
    if (tracked) {
      await check('analytics', async () => {
        const body = expectStatus(
          await call('GET', `/analytics/${SMOKE_USER}?from=${today}&to=${today}`),
          200,
        );
        const totals = body.totals as { requests?: number; costUsd?: number } | undefined;
        if (!totals || (totals.requests ?? 0) < 1 || (totals.costUsd ?? 0) < costUsd) {
          throw new CheckFailed(`totals do not show the call: ${describe(totals)}`);
        }
        return `${totals.requests} request(s), $${totals.costUsd} today`;
      });
    }
    await check('threshold round trip', async () => {
      wrote = true;
      const created = expectStatus(
        await call('POST', '/thresholds', {
          userId: SMOKE_USER,
          name: 'smoke check',
          limitUsd: 1000,
          channels: ['webhook'],
        }),
        201,
      );
      thresholdId = String(created.thresholdId);
      const listed = expectStatus(await call('GET', `/thresholds/${SMOKE_USER}`), 200);
      const ids = ((listed.items as { thresholdId: string }[] | undefined) ?? []).map((t) => t.thresholdId);
      if (!ids.includes(thresholdId)) throw new CheckFailed(`GET /thresholds/${SMOKE_USER} does not list it`);
      expectStatus(await call('DELETE', `/thresholds/${thresholdId}`), 204);
      thresholdId = undefined;
      return 'created, listed, deleted';
    });
  } finally {
    if (wrote) await cleanUp();
  }
  return checks;

  async function cleanUp(): Promise<void> {
    await check('clean up', async () => {
      if (thresholdId) await call('DELETE', `/thresholds/${thresholdId}`);
      const requested = expectStatus(await call('DELETE', `/users/${SMOKE_USER}`), 202, 200);
      const erasureId = String(requested.erasureId);
      const deadline = Date.now() + (options.erasureTimeoutMs ?? 60_000);
      let status = String(requested.status);
      while (status !== 'completed') {
        if (Date.now() > deadline) throw new CheckFailed(`erasure ${erasureId} still ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = String(expectStatus(await call('GET', `/erasures/${erasureId}`), 200).status);
      }
      const left = expectStatus(await call('GET', `/analytics/${SMOKE_USER}?from=${today}&to=${today}`), 200);
      const requests = (left.totals as { requests?: number } | undefined)?.requests ?? 0;
      if (requests !== 0) throw new CheckFailed(`${requests} request(s) still under ${SMOKE_USER}`);
      const thresholds = expectStatus(await call('GET', `/thresholds/${SMOKE_USER}`), 200);
      if (((thresholds.items as unknown[] | undefined) ?? []).length > 0) {
        throw new CheckFailed(`thresholds of ${SMOKE_USER} remain`);
      }
      return `erasure ${erasureId} completed; nothing left under ${SMOKE_USER}`;
    });
  }
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (text ?? '').slice(0, 200);
}

export async function main(args: string[]): Promise<number> {
  const [url, key] = args.filter((a) => a !== '--');
  if (!url || !key) {
    console.error('usage: npm run smoke -- <api-url> <admin-key>');
    return 2;
  }
  const checks = await runSmoke(url, key);
  const failed = checks.filter((c) => !c.ok).length;
  console.log(
    failed === 0
      ? `smoke check passed (${checks.length} checks)`
      : `smoke check FAILED (${failed} of ${checks.length})`,
  );
  return failed === 0 ? 0 : 1;
}

runMain(import.meta.url, main);
