import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { redactText } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lambdas/platform/dynamo-client.js';
import { logger } from '../../lambdas/platform/logger.js';
import { TABLES, type TableKey } from '../../lambdas/platform/tables.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A } from '../support/runtime.js';

// One try per channel, and a failed channel is final at once: its dead letter is written in this run.
process.env.NOTIFY_ATTEMPTS = '1';
process.env.NOTIFY_BACKOFF_MS = '0';
process.env.NOTIFY_DEADLINE_SECONDS = '0';

/** Personal data a caller puts into free text, in the spellings it arrives in. */
const FREE_TEXT_PII = {
  email: 'jane.doe@example.com',
  otherEmail: 'john.roe@example.net',
  phone: '+49 30 1234567',
  iban: 'DE89 3704 0044 0532 0130 00',
  ibanCompact: 'DE89370400440532013000',
  card: '4111 1111 1111 1111',
  cardCompact: '4111111111111111',
};
const CONTACTS = { email: 'owner.redact@example.org', phone: '+4915112345678' };
const USER = 'redact-user';
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
/** Well-formed but without a price: its first event is logged as a warning. */
const UNPRICED_MODEL = 'acme.redaction-probe-v1:0';

let runtime: LocalRuntime;
let api: string;
let webhookUrl: string;
let webhookHost: string;
const logLines: string[] = [];

/** Every string that must be found nowhere but where it belongs. */
const secrets = () => [...Object.values(FREE_TEXT_PII), ...Object.values(CONTACTS), webhookUrl, webhookHost];

/** Every string value of a JSON value, with its path. */
function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(redactText(k).found.length > 0 ? [[`${path}{key}`, k] as [string, string]] : []),
      ...strings(v, `${path}.${k}`),
    ]);
  }
  return [];
}

/**
 * The string values in which the redaction would still find personal data; a contact masked for
 * the audit log (`o***@example.org`: the first character and the domain) is not one.
 */
const piiIn = (value: unknown) =>
  strings(value).filter(([, text]) => redactText(text).found.length > 0 && !/^.\*\*\*@/.test(text));

async function scanTable(key: TableKey): Promise<Record<string, unknown>[]> {
  const client = createDocumentClient();
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: process.env[TABLES[key].envVar], ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

const post = <T = Record<string, unknown>>(path: string, body: unknown) =>
  call<T>(api, 'POST', path, { key: TENANT_A.key, body });

beforeAll(async () => {
  // A port nothing listens on: the webhook fails with an error naming its address.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  webhookHost = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
  webhookUrl = `http://${webhookHost}/hooks/cost`;
  await new Promise((r) => closed.close(r));

  const capture = (chunk: unknown) => {
    logLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logLines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '));
    });
  }
  runtime = await startTestRuntime();
  api = runtime.apiBase;
  logger.setLogLevel('DEBUG');
});

afterAll(async () => {
  logger.setLogLevel('SILENT');
  vi.restoreAllMocks();
  await runtime?.close();
});

describe('redaction at the door', () => {
  it('sets up contacts, a threshold and cost control with personal data in their free text', async () => {
    const alerting = await call(api, 'PUT', `/alerting/${USER}`, {
      key: TENANT_A.key,
      body: {
        ...CONTACTS,
        webhookUrl,
        webhookSecret: 'webhook-secret-0123456789',
        escalation: { afterMinutes: 1, email: CONTACTS.email, phone: CONTACTS.phone },
      },
    });
    expect(alerting.status).toBe(200);

    const created = await post<{ thresholdId: string; name: string; redacted: string[] }>('/thresholds', {
      userId: USER,
      name: `cap, questions to ${FREE_TEXT_PII.email}`,
      limitUsd: 0.5,
      channels: ['email', 'sms', 'webhook'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'cap, questions to [email]', redacted: ['name'] });

    const updated = await call<{ name: string; redacted: string[] }>(
      api,
      'PUT',
      `/thresholds/${created.body.thresholdId}`,
      { key: TENANT_A.key, body: { name: `cap, call ${FREE_TEXT_PII.phone}` } },
    );
    expect(updated.body).toMatchObject({ name: 'cap, call [phone]', redacted: ['name'] });
    const clean = await call<{ redacted: string[] }>(api, 'PUT', `/thresholds/${created.body.thresholdId}`, {
      key: TENANT_A.key,
      body: { limitUsd: 0.5 },
    });
    expect(clean.body.redacted).toEqual([]);
    const listed = await call<{ items: { name: string }[] }>(api, 'GET', `/thresholds/${USER}`, {
      key: TENANT_A.key,
    });
    expect(listed.body.items.map((t) => t.name)).toEqual(['cap, call [phone]']);

    expect((await post('/auto-control/init', { userId: USER, budgetUsd: 0.5 })).status).toBe(201);
  });

  it('records usage with its free text redacted and says which fields were', async () => {
    const body = {
      requestId: 'redact-1',
      userId: USER,
      modelId: SONNET,
      inputTokens: 100_000,
      outputTokens: 1000,
      operation: `review for ${FREE_TEXT_PII.email}`,
      tags: { team: 'search', contact: FREE_TEXT_PII.phone, payer: FREE_TEXT_PII.iban },
    };
    const first = await post<{ duplicate: boolean; redacted: string[] }>('/track-usage', body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      duplicate: false,
      redacted: ['operation', 'tags.contact', 'tags.payer'],
    });

    // A retry with the same body is the same event, answered the same.
    const replay = await post<{ duplicate: boolean; redacted: string[] }>('/track-usage', body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ ...first.body, duplicate: true });
    // Another body under the same requestId is a conflict, as before.
    expect((await post('/track-usage', { ...body, inputTokens: 1 })).status).toBe(409);
    // Bodies that differ only inside redacted text are stored alike, and so are the same event.
    const sameOnceRedacted = await post('/track-usage', {
      ...body,
      operation: `review for ${FREE_TEXT_PII.otherEmail}`,
    });
    expect(sameOnceRedacted.status).toBe(200);

    const batch = await post<{ results: { status: number; redacted?: string[] }[] }>('/track-usage/batch', {
      events: [
        { ...body, requestId: 'redact-2', operation: `paid with ${FREE_TEXT_PII.card}`, tags: { ok: 'yes' } },
        { requestId: 'redact-3', userId: USER, modelId: SONNET, inputTokens: 10, outputTokens: 1 },
        { requestId: 'redact-4', userId: USER, modelId: UNPRICED_MODEL, inputTokens: 10, outputTokens: 1 },
        { requestId: 'redact-5', userId: USER, modelId: SONNET, inputTokens: -1, outputTokens: 1 },
      ],
    });
    expect(batch.body.results.map((r) => [r.status, r.redacted])).toEqual([
      [201, ['operation']],
      [201, []],
      [201, []],
      [400, undefined],
    ]);
  });

  it('redacts the operation of imported invocation log records', async () => {
    const record = {
      schemaType: 'ModelInvocationLog',
      schemaVersion: '1.0',
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      accountId: '123456789012',
      identity: { arn: 'arn:aws:sts::123456789012:assumed-role/app/session-1' },
      region: 'us-east-1',
      requestId: '0c7f1a2b-1234-4567-89ab-0123456789ab',
      operation: `Converse for ${FREE_TEXT_PII.cardCompact}`,
      modelId: SONNET,
      input: { inputTokenCount: 100 },
      output: { outputTokenCount: 10 },
      requestMetadata: { userId: USER },
    };
    const res = await post<{ recorded: number; redacted: string[] }>('/invocation-logs', {
      records: [{ ...record, operation: 'Converse' }, record],
    });
    expect(res.body).toMatchObject({ recorded: 1, redacted: [] });
    const second = await post<{ recorded: number; duplicates: number; redacted: string[] }>(
      '/invocation-logs',
      { records: [{ ...record, requestId: '1c7f1a2b-1234-4567-89ab-0123456789ab' }] },
    );
    expect(second.body).toMatchObject({ recorded: 1, redacted: ['records.0.operation'] });
  });

  it('redacts the reason and the label of a reverse', async () => {
    await runtime.alerting.bus.idle();
    const status = await call<{ activeActions: { actionId: string }[] }>(
      api,
      'GET',
      `/auto-control/status/${USER}`,
      { key: TENANT_A.key },
    );
    const actionId = status.body.activeActions[0]?.actionId as string;
    expect(actionId).toBeDefined();
    const reversed = await post<{ redacted: string[]; reversedByActor: { label: string } }>(
      `/auto-control/reverse/${actionId}`,
      { reason: `refund to ${FREE_TEXT_PII.iban}`, actor: FREE_TEXT_PII.email },
    );
    expect(reversed.status).toBe(200);
    expect(reversed.body).toMatchObject({
      redacted: ['reason', 'actor'],
      reversedByActor: { label: '[email]' },
    });
    const history = await call<{ items: { type: string; reason: string }[] }>(
      api,
      'GET',
      `/auto-control/actions/${USER}`,
      { key: TENANT_A.key },
    );
    expect(history.body.items.find((a) => a.type === 'reverse')?.reason).toBe('refund to [iban]');
  });
});

describe('nothing personal survives anywhere', () => {
  it('notices went out, the webhook failed and was dead-lettered without its address', async () => {
    await runtime.alerting.bus.idle();
    const breaches = await call<{
      items: { notifications: { channel: string; status: string; error?: string }[] }[];
    }>(api, 'GET', `/breaches/${USER}`, { key: TENANT_A.key });
    const channels = breaches.body.items.flatMap((b) => b.notifications);
    expect(channels.some((n) => n.channel === 'email' && n.status === 'sent')).toBe(true);
    // Levels crossed at once share one notice: the highest level's channels are the ones sent.
    const webhook = channels.find((n) => n.channel === 'webhook' && n.status !== 'skipped');
    expect(webhook).toMatchObject({ status: 'failed' });
    expect(webhook?.error).toContain('[webhook]');
    const deadLetters = await readFile(runtime.alerting.deadLetterFile, 'utf8');
    expect(deadLetters).toContain('"channel":"webhook"');
    for (const secret of secrets()) expect(deadLetters).not.toContain(secret);
    expect(JSON.stringify(breaches.body)).not.toContain(webhookHost);

    // The notice itself names the threshold by its redacted name.
    const inbox = (await (await fetch(`${runtime.alerting.sesUrl}/store`)).json()) as {
      emails: { destination: { to: string[] }; body: { text?: string } }[];
    };
    const mine = inbox.emails.filter((e) => e.destination.to.includes(CONTACTS.email));
    expect(mine.length).toBeGreaterThan(0);
    for (const mail of mine) {
      expect(mail.body.text).toContain('cap, call [phone]');
      for (const secret of Object.values(FREE_TEXT_PII)) expect(mail.body.text).not.toContain(secret);
    }
  });

  it('no table holds personal free text, and contacts are only in the alerting configuration', async () => {
    let items = 0;
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const rows = await scanTable(key);
      items += rows.length;
      const text = JSON.stringify(rows);
      for (const secret of Object.values(FREE_TEXT_PII))
        expect({ key, found: text.includes(secret) }).toEqual({ key, found: false });
      if (key === 'alertingConfig') {
        expect(text).toContain(CONTACTS.email);
        continue;
      }
      for (const secret of secrets())
        expect({ key, secret, found: text.includes(secret) }).toMatchObject({ found: false });
      expect({ key, pii: piiIn(rows) }).toEqual({ key, pii: [] });
    }
    expect(items).toBeGreaterThan(10);
    const usage = JSON.stringify(await scanTable('tokenUsage'));
    for (const placeholder of ['[email]', '[phone]', '[iban]', '[card]'])
      expect(usage).toContain(placeholder);
  });

  it('the CSV and JSON exports carry only the redacted text', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const json = await call<{ items: { operation: string | null; tags?: Record<string, string> }[] }>(
      api,
      'GET',
      `/export/${USER}?from=${today}&to=${today}&format=json`,
      { key: TENANT_A.key },
    );
    expect(json.status).toBe(200);
    const operations = json.body.items.map((i) => i.operation).sort();
    expect(operations).toEqual(
      expect.arrayContaining(['Converse for [card]', 'paid with [card]', 'review for [email]']),
    );
    expect(json.body.items.find((i) => i.tags?.contact)?.tags).toEqual({
      team: 'search',
      contact: '[phone]',
      payer: '[iban]',
    });
    const csv = await call(api, 'GET', `/export/${USER}?from=${today}&to=${today}&format=csv`, {
      key: TENANT_A.key,
    });
    expect(csv.text).toContain('review for [email]');
    for (const page of [json.text, csv.text]) {
      for (const secret of secrets()) expect(page).not.toContain(secret);
      expect(piiIn(page.split(/[\n,]/))).toEqual([]);
    }
    const analytics = await call(api, 'GET', `/analytics/${USER}?from=${today}&to=${today}`, {
      key: TENANT_A.key,
    });
    expect(analytics.text).toContain('review for [email]');
    for (const secret of secrets()) expect(analytics.text).not.toContain(secret);
  });

  it('no log line carries personal data or a contact', () => {
    const logs = logLines.join('');
    // The capture works: the deliveries and the unpriced model were logged.
    expect(logs).toContain('notice delivery');
    expect(logs).toContain('usage recorded without a price');
    for (const secret of secrets())
      expect({ secret, found: logs.includes(secret) }).toEqual({ secret, found: false });
    expect(piiIn(logLines)).toEqual([]);
  });
});
