import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSweep } from '../../lambdas/alerting/use-cases/sweep.js';
import { sweepDeps } from '../../lambdas/alerting/wiring.js';
import { spec as sweepSpec } from '../../lambdas/functions/sweep-environment.js';
import { installLocalEventBus } from '../../lambdas/platform/events/local-event-bus.js';
import { loadEnvironment } from '../../lambdas/platform/function-spec.js';
import { aggregateStore } from '../../lambdas/usage/wiring.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

process.env.NOTIFY_BACKOFF_MS = '5';

let runtime: LocalRuntime;
let base: string;
let receiver: Server;
let hookUrl: string;
const hooks: { body: string; valid: boolean; user: string; type: string; level: string }[] = [];
const SECRET = 'webhook-secret-0123456789';

beforeAll(async () => {
  runtime = await startTestRuntime({ alerting: { sesPort: 0, sweepIntervalSeconds: 0 } });
  base = runtime.apiBase;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(req.headers['x-cost-timestamp']);
      const expected = `v1=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
      const got = String(req.headers['x-cost-signature']);
      const valid =
        got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
      const parsed = JSON.parse(body) as { type: string; breach: { userId: string; level: string } };
      hooks.push({ body, valid, user: parsed.breach.userId, type: parsed.type, level: parsed.breach.level });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await runtime?.close();
  await new Promise((r) => receiver?.close(r));
});

interface Email {
  subject: string;
  destination: { to: string[] };
  body: { html?: string; text?: string };
}
async function inbox(): Promise<Email[]> {
  const res = await fetch(`${runtime.alerting.sesUrl}/store`);
  return ((await res.json()) as { emails: Email[] }).emails;
}
const emailsFor = async (userId: string) =>
  (await inbox()).filter((e) => e.subject.includes(`: ${userId} spent`));

/** 100k input tokens of Claude 3.5 Sonnet: $0.30 per event. */
const event = (requestId: string, userId: string, timestamp?: string) => ({
  requestId,
  userId,
  modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  inputTokens: 100_000,
  outputTokens: 0,
  ...(timestamp ? { timestamp } : {}),
});

async function setup(userId: string, threshold: Record<string, unknown>, key = TENANT_A.key) {
  await call(base, 'PUT', `/alerting/${userId}`, {
    key,
    body: {
      email: `${userId}@example.com`,
      phone: '+4915112345678',
      webhookUrl: hookUrl,
      webhookSecret: SECRET,
      escalation: { afterMinutes: 1, email: `lead-${userId}@example.com` },
    },
  });
  const res = await call<{ thresholdId: string }>(base, 'POST', '/thresholds', {
    key,
    body: { userId, name: 'cap', channels: ['email', 'sms', 'webhook'], ...threshold },
  });
  expect(res.status).toBe(201);
  return res.body.thresholdId;
}

interface BreachOut {
  breachId: string;
  level: string;
  status: string;
  spendUsd: number;
  notifications: { channel: string; status: string; attempts: number }[];
}
const breaches = async (userId: string, key = TENANT_A.key) =>
  (await call<{ items: BreachOut[] }>(base, 'GET', `/breaches/${userId}`, { key })).body.items;

describe('inline detection and notices', () => {
  it('a crossing produces an email and a signed webhook per level, and SMS', async () => {
    await setup('ana', { limitUsd: 1 });
    for (let i = 1; i <= 5; i++) {
      const res = await call(base, 'POST', '/track-usage', {
        key: TENANT_A.key,
        body: event(`ana-${i}`, 'ana'),
      });
      expect(res.status).toBe(201);
    }
    await runtime.alerting.bus.idle();
    const mails = await emailsFor('ana');
    expect(mails.map((m) => m.subject.split(':')[0]).sort()).toEqual([
      '[Cost alert] Critical',
      '[Cost alert] Emergency',
      '[Cost alert] Warning',
    ]);
    const critical = mails.find((m) => m.subject.includes('Critical'));
    expect(critical?.subject).toContain('$1.20 of $1.00');
    expect(critical?.destination.to).toEqual(['ana@example.com']);
    expect(critical?.body.html).toContain('Daily spend this period');
    expect(critical?.body.text).toContain('Daily spend this period');
    const anaHooks = hooks.filter((h) => h.user === 'ana');
    expect(anaHooks.map((h) => h.level).sort()).toEqual(['critical', 'emergency', 'warning']);
    expect(anaHooks.every((h) => h.valid && h.type === 'threshold.breached')).toBe(true);
    const sms = (await call<{ items: { to: string; text: string }[] }>(runtime.url, 'GET', '/_local/sms'))
      .body.items;
    expect(sms.filter((s) => s.to === '+4915112345678' && s.text.includes('ana')).length).toBe(3);
    expect(sms.some((s) => s.to === 'emergency-topic' && s.text.includes('ana'))).toBe(true);
    const list = await breaches('ana');
    expect(list).toHaveLength(3);
    for (const b of list) {
      expect(b.status).toBe('open');
      expect(b.notifications.map((n) => `${n.channel}:${n.status}:${n.attempts}`).sort()).toEqual([
        'email:sent:1',
        'sms:sent:1',
        'webhook:sent:1',
      ]);
    }
  });

  it('20 concurrent crossing events give exactly one notice per level', async () => {
    await setup('ben', { limitUsd: 1 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event(`ben-${i}`, 'ben') }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    await runtime.alerting.bus.idle();
    expect((await breaches('ben')).map((b) => b.level).sort()).toEqual(['critical', 'emergency', 'warning']);
    expect((await emailsFor('ben')).length).toBe(3);
    expect(hooks.filter((h) => h.user === 'ben').length).toBe(3);
  });

  it('when SES fails, email is retried then recorded as failed while webhook and SMS are delivered', async () => {
    await setup('cat', { limitUsd: 1, warningPercent: 20 });
    const ses = mockClient(SESv2Client);
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('SES is down'), { name: 'ServiceUnavailable' }));
    try {
      await call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event('cat-1', 'cat') });
      await runtime.alerting.bus.idle();
      expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
    } finally {
      ses.restore();
    }
    const [warning] = await breaches('cat');
    expect(warning?.notifications.find((n) => n.channel === 'email')).toMatchObject({
      status: 'failed',
      attempts: 3,
    });
    expect(warning?.notifications.find((n) => n.channel === 'webhook')).toMatchObject({ status: 'sent' });
    expect(warning?.notifications.find((n) => n.channel === 'sms')).toMatchObject({ status: 'sent' });
    expect(hooks.some((h) => h.user === 'cat' && h.valid)).toBe(true);
    const deadLetters = (await readFile(runtime.alerting.deadLetterFile, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { breachId: string; channel: string; status: string; attempts: number },
      );
    expect(deadLetters).toContainEqual(
      expect.objectContaining({
        breachId: warning?.breachId,
        channel: 'email',
        status: 'failed',
        attempts: 3,
      }),
    );
  });

  it('a threshold in another zone created mid-period starts from the period-to-date', async () => {
    for (let i = 1; i <= 3; i++) {
      await call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event(`fay-${i}`, 'fay') });
    }
    await setup('fay', { limitUsd: 1, timezone: 'Asia/Kolkata', period: 'weekly' });
    expect(await breaches('fay')).toEqual([]);
    await call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event('fay-4', 'fay') });
    await runtime.alerting.bus.idle();
    const list = await breaches('fay');
    expect(list.map((b) => b.level).sort()).toEqual(['critical', 'warning']);
    expect(list.find((b) => b.level === 'critical')?.spendUsd).toBe(1.2);
  });

  it('projections list when each level of a monthly threshold is expected to be reached', async () => {
    for (let i = 1; i <= 3; i++) {
      await call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event(`hal-${i}`, 'hal') });
    }
    const id = await setup('hal', { limitUsd: 1 });
    const res = await call<{
      thresholdBreaches: { thresholdId: string; level: string; expectedDate: string }[];
    }>(base, 'GET', '/projections/hal', { key: TENANT_A.key });
    expect(res.status).toBe(200);
    expect(res.body.thresholdBreaches).toContainEqual({
      thresholdId: id,
      level: 'warning',
      expectedDate: new Date().toISOString().slice(0, 10),
    });
  });

  it('acknowledges a breach; another tenant gets 404 for it', async () => {
    const [first] = await breaches('ana');
    const id = first?.breachId as string;
    expect((await call(base, 'POST', `/breaches/${id}/acknowledge`, { key: TENANT_B.key })).status).toBe(404);
    const ack = await call<BreachOut>(base, 'POST', `/breaches/${id}/acknowledge`, { key: TENANT_A.key });
    expect(ack.status).toBe(200);
    expect(ack.body.status).toBe('acknowledged');
    const acked = await call<{ items: BreachOut[] }>(base, 'GET', '/breaches/ana?status=acknowledged', {
      key: TENANT_A.key,
    });
    expect(acked.body.items.map((b) => b.breachId)).toEqual([id]);
    expect(await breaches('ana', TENANT_B.key)).toEqual([]);
  });
});

describe('sweep', () => {
  const deps = () => {
    const env = loadEnvironment(sweepSpec);
    return sweepDeps(env, aggregateStore(env));
  };

  it('forecast and percentage thresholds on constructed histories; a new period resolves them', async () => {
    const now = new Date();
    const y = now.getUTCFullYear();
    const m = now.getUTCMonth();
    // Last month, days 1..14 at $0.30 a day; the sweep looks at it from the 15th at noon.
    const at = (day: number, hour: number) => new Date(Date.UTC(y, m - 1, day, hour)).toISOString();
    for (let day = 1; day <= 14; day++) {
      await call(base, 'POST', '/track-usage', {
        key: TENANT_A.key,
        body: event(`dan-${day}`, 'dan', at(day, 1)),
      });
    }
    // A daily percentage threshold: $0.30 yesterday (the 13th), $0.90 on the 14th by noon.
    for (let i = 0; i < 2; i++) {
      await call(base, 'POST', '/track-usage', {
        key: TENANT_A.key,
        body: event(`dan-x${i}`, 'dan', at(14, 2)),
      });
    }
    await setup('dan', { type: 'forecast', period: 'monthly', limitUsd: 7 });
    await setup('dan', { type: 'percentage', period: 'daily', changePercent: 50 });
    const sweepAt = new Date(at(14, 12));
    const summary = await runSweep(deps(), sweepAt);
    expect(summary.failures).toBe(0);
    await runtime.alerting.bus.idle();
    const opened = await breaches('dan');
    // Forecast: $4.20 by the 14th at $0.30 a day projects about $9 for the month: warning and critical.
    const forecastLevels = opened
      .filter((b) => b.breachId.includes(`.${at(14, 0).slice(0, 7)}.`))
      .map((b) => b.level);
    expect(forecastLevels.sort()).toEqual(['critical', 'warning']);
    // Percentage: $0.90 today against $0.30 × half a day yesterday: every level.
    const daily = opened
      .filter((b) => b.breachId.includes(`.${at(14, 0).slice(0, 10)}.`))
      .map((b) => b.level);
    expect(daily.sort()).toEqual(['critical', 'emergency', 'warning']);

    // A sweep now, in a later period, resolves them all and sends resolution notices.
    const later = await runSweep(deps(), new Date());
    expect(later.breachesResolved).toBeGreaterThanOrEqual(5);
    await runtime.alerting.bus.idle();
    const after = await breaches('dan');
    expect(after.every((b) => b.status === 'resolved')).toBe(true);
    expect((await emailsFor('dan')).filter((e) => e.subject.startsWith('[Cost alert] Resolved')).length).toBe(
      5,
    );
    expect(hooks.filter((h) => h.user === 'dan' && h.type === 'threshold.resolved').length).toBe(5);
  });

  it('escalates unacknowledged critical and emergency breaches after the delay, once', async () => {
    const later = new Date(Date.now() + 2 * 60_000);
    const summary = await runSweep(deps(), later);
    expect(summary.escalated).toBeGreaterThanOrEqual(2);
    await runtime.alerting.bus.idle();
    const escalations = (await inbox()).filter((e) => e.subject.includes('Escalation'));
    expect(escalations.filter((e) => e.destination.to[0] === 'lead-ben@example.com')).toHaveLength(2);
    const ben = await call<{ items: (BreachOut & { escalatedAt: string | null })[] }>(
      base,
      'GET',
      '/breaches/ben',
      {
        key: TENANT_A.key,
      },
    );
    expect(
      ben.body.items
        .filter((b) => b.escalatedAt !== null)
        .map((b) => b.level)
        .sort(),
    ).toEqual(['critical', 'emergency']);
    const ana = await call<{ items: (BreachOut & { escalatedAt: string | null })[] }>(
      base,
      'GET',
      '/breaches/ana',
      {
        key: TENANT_A.key,
      },
    );
    expect(ana.body.items.find((b) => b.status === 'acknowledged')?.escalatedAt).toBeNull();
    const again = await runSweep(deps(), later);
    expect(again.escalated).toBe(0);
  });

  it('delivers a breach whose event was never published', async () => {
    await setup('eve', { limitUsd: 1, warningPercent: 10 });
    installLocalEventBus(undefined);
    try {
      await call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event('eve-1', 'eve') });
    } finally {
      installLocalEventBus(runtime.alerting.bus);
    }
    const [pending] = await breaches('eve');
    expect(pending?.notifications.every((n) => n.status === 'pending')).toBe(true);
    expect(await emailsFor('eve')).toHaveLength(0);
    const summary = await runSweep(deps(), new Date(Date.now() + 5 * 60_000));
    expect(summary.redelivered).toBeGreaterThanOrEqual(1);
    const [delivered] = await breaches('eve');
    expect(delivered?.notifications.every((n) => n.status === 'sent')).toBe(true);
    expect(await emailsFor('eve')).toHaveLength(1);
  });

  it('resolves a breach when a raised limit puts spend back under its level', async () => {
    const thresholdId = (await breaches('cat'))[0]?.breachId.split('.')[0] as string;
    const put = await call(base, 'PUT', `/thresholds/${thresholdId}`, {
      key: TENANT_A.key,
      body: { limitUsd: 10 },
    });
    expect(put.status).toBe(200);
    const summary = await runSweep(deps(), new Date());
    expect(summary.breachesResolved).toBeGreaterThanOrEqual(1);
    const [resolved] = await breaches('cat');
    expect(resolved?.status).toBe('resolved');
    expect(hooks.some((h) => h.user === 'cat' && h.type === 'threshold.resolved' && h.valid)).toBe(true);
    expect((await emailsFor('cat')).some((e) => e.subject.startsWith('[Cost alert] Resolved'))).toBe(true);
  });

  it('POST /_local/sweep answers the summary', async () => {
    const res = await call<{ thresholds: number; controlPeriods: { checked: number; failed: number } }>(
      runtime.url,
      'POST',
      '/_local/sweep',
      { key: null },
    );
    expect(res.status).toBe(200);
    expect(res.body.thresholds).toBeGreaterThanOrEqual(5);
    expect(res.body.controlPeriods).toMatchObject({ failed: 0 });
  });
});
