import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, keyIdOfHash } from '../../lambdas/platform/api-keys.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime } from '../support/runtime.js';

/**
 * An end-to-end run over real HTTP that makes every kind of configuration change with two keys of
 * one tenant, then reads `GET /audit`: each change is there, newest first, with the key that made
 * it, and no contact appears in clear.
 */
const TENANT = 'tenant-audit';
const ONE = 'key-audit-one';
const TWO = 'key-audit-two';
const OTHER = { tenant: 'tenant-other', key: 'key-audit-other' };
const keyId = (key: string) => keyIdOfHash(hashApiKey(key));
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

let runtime: LocalRuntime;
let api: string;

beforeAll(async () => {
  runtime = await startTestRuntime({
    apiKeys: `${TENANT}:${ONE},${TENANT}:${TWO},${OTHER.tenant}:${OTHER.key}`,
  });
  api = runtime.apiBase;
});
afterAll(async () => {
  await runtime.close();
});

interface AuditEntry {
  auditId: string;
  at: string;
  actor: { tenant: string; keyId: string | null };
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

const CONTACTS = {
  email: 'owner@example.com',
  phone: '+4915112345678',
  webhookUrl: 'https://hooks.example.com/cost/hidden-path?token=abc',
  webhookSecret: 'a-webhook-secret-of-some-length',
  escalation: { afterMinutes: 30, email: 'lead@example.com', phone: '+4917712345999' },
};

describe('the audit log of an end-to-end run', () => {
  it('shows every configuration change, newest first, with the key that made it and contacts masked', async () => {
    const made: { action: string; key: string }[] = [];
    const change = async (key: string, action: string, method: string, path: string, body?: unknown) => {
      const res = await call<Record<string, unknown>>(api, method, path, {
        key,
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
      made.push({ action, key });
      return res.body;
    };

    await change(ONE, 'settings.update', 'PUT', '/settings', { retention: { usageDays: 200 } });
    const threshold = await change(ONE, 'threshold.create', 'POST', '/thresholds', {
      userId: 'eve',
      name: 'monthly cap',
      limitUsd: 50,
    });
    const thresholdId = String(threshold.thresholdId);
    await change(TWO, 'threshold.update', 'PUT', `/thresholds/${thresholdId}`, { limitUsd: 60 });
    await change(ONE, 'contacts.put', 'PUT', '/alerting/eve', CONTACTS);
    await change(TWO, 'contacts.put', 'PUT', '/alerting/eve', { ...CONTACTS, email: 'other@example.org' });
    await change(ONE, 'control.create', 'POST', '/auto-control/init', {
      userId: 'eve',
      budgetUsd: 0.001,
      period: 'monthly',
    });
    await change(TWO, 'control.replace', 'POST', '/auto-control/init', {
      userId: 'eve',
      budgetUsd: 0.002,
      period: 'monthly',
    });
    // Usage crosses the control rules; the automatic actions are not configuration changes.
    const tracked = await call(api, 'POST', '/track-usage', {
      key: TWO,
      body: { requestId: 'audit-1', userId: 'eve', modelId: SONNET, inputTokens: 100_000, outputTokens: 10 },
    });
    expect(tracked.status).toBe(201);
    await runtime.alerting.bus.idle();
    const history = await call<{ items: { actionId: string; type: string }[] }>(
      api,
      'GET',
      '/auto-control/actions/eve',
      { key: ONE },
    );
    const applied = history.body.items.find((a) => a.type === 'apply');
    expect(applied).toBeDefined();
    await change(ONE, 'control.reverse', 'POST', `/auto-control/reverse/${applied?.actionId}`, {
      reason: 'approved overrun',
    });
    const model = encodeURIComponent('acme.audit-model-v1');
    const price = { effectiveFrom: '2026-01-01T00:00:00Z', inputPerMTokUsd: 1, outputPerMTokUsd: 2 };
    await change(TWO, 'prices.put', 'PUT', `/prices/${model}`, price);
    await change(ONE, 'prices.delete', 'DELETE', `/prices/${model}?effectiveFrom=2026-01-01T00:00:00Z`);
    await change(TWO, 'threshold.delete', 'DELETE', `/thresholds/${thresholdId}`);

    // Refused changes store nothing, in the audit log neither.
    expect(
      (await call(api, 'PUT', '/settings', { key: ONE, body: { retention: { usageDays: 7 } } })).status,
    ).toBe(400);
    expect((await call(api, 'DELETE', `/thresholds/${thresholdId}`, { key: ONE })).status).toBe(404);
    expect((await call(api, 'PUT', `/prices/${model}`, { key: ONE, body: price })).status).toBe(201);
    expect((await call(api, 'PUT', `/prices/${model}`, { key: ONE, body: price })).status).toBe(409);
    made.push({ action: 'prices.put', key: ONE });

    const page = await call<{ items: AuditEntry[]; nextCursor: string | null }>(api, 'GET', '/audit', {
      key: ONE,
    });
    expect(page.status).toBe(200);
    const entries = page.body.items;
    expect(entries.map((e) => [e.action, e.actor.keyId])).toEqual(
      [...made].reverse().map((m) => [m.action, keyId(m.key)]),
    );
    expect(new Set(entries.map((e) => e.actor.tenant))).toEqual(new Set([TENANT]));
    const times = entries.map((e) => e.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(new Set(entries.map((e) => e.auditId)).size).toBe(entries.length);

    // What changed is there; whom to reach is not.
    const text = page.text;
    for (const secret of [
      'owner@example.com',
      'lead@example.com',
      'other@example.org',
      '15112345678',
      '17712345999',
      'hidden-path',
      'token=abc',
      CONTACTS.webhookSecret,
    ]) {
      expect(text).not.toContain(secret);
    }
    const contacts = entries.filter((e) => e.action === 'contacts.put');
    expect(contacts[0]?.before).toEqual({
      email: 'o***@example.com',
      phone: '***678',
      webhookUrl: 'https://h***',
      webhookSecret: '***',
      escalation: { afterMinutes: 30, email: 'l***@example.com', phone: '***999' },
    });
    expect(contacts[0]?.after).toMatchObject({ email: 'o***@example.org' });
    expect(contacts[1]?.before).toBeNull();
    const update = entries.find((e) => e.action === 'threshold.update');
    expect(update).toMatchObject({ target: thresholdId, before: { limitUsd: 50 }, after: { limitUsd: 60 } });
    expect(entries.find((e) => e.action === 'threshold.delete')).toMatchObject({
      before: { limitUsd: 60, name: 'monthly cap' },
      after: null,
    });
    expect(entries.find((e) => e.action === 'control.replace')).toMatchObject({
      target: 'eve',
      before: { budgetUsd: 0.001 },
      after: { budgetUsd: 0.002 },
    });
    expect(entries.find((e) => e.action === 'control.reverse')).toMatchObject({
      target: applied?.actionId,
      after: { reason: 'approved overrun' },
    });
    expect(entries.find((e) => e.action === 'prices.delete')).toMatchObject({
      target: 'acme.audit-model-v1@2026-01-01T00:00:00.000Z',
      before: { inputPerMTokUsd: 1, outputPerMTokUsd: 2 },
      after: null,
    });

    // Another tenant sees none of it.
    const other = await call<{ items: AuditEntry[] }>(api, 'GET', '/audit', { key: OTHER.key });
    expect(other.body.items).toEqual([]);
  });
});
