import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyBreach } from '../../lambdas/alerting/use-cases/notify-breach.js';
import { runSweep, type SweepDeps } from '../../lambdas/alerting/use-cases/sweep.js';
import { notifyDeps, sweepDeps } from '../../lambdas/alerting/wiring.js';
import { spec as notifierSpec } from '../../lambdas/functions/notifier-environment.js';
import { spec as sweepSpec } from '../../lambdas/functions/sweep-worker-environment.js';
import { installLocalEventBus } from '../../lambdas/platform/events/local-event-bus.js';
import { loadEnvironment } from '../../lambdas/platform/function-spec.js';
import { aggregateStore } from '../../lambdas/usage/wiring.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A, TENANT_B } from '../support/runtime.js';

process.env.NOTIFY_BACKOFF_MS = '5';
// The sweep's notices go through the notifier of the runtime: its delivery deadline is 30 minutes here.
process.env.NOTIFY_DEADLINE_SECONDS = String(30 * 60);

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

/**
 * Sweep deps whose threshold and active-breach listings hold one user only, so a sweep at a
 * later time leaves the other tests' users alone. Its notices go to the runtime's notifier
 * through the bus: `sweepOnly` waits for them.
 */
function onlyUser(userId: string): SweepDeps {
  const env = loadEnvironment(sweepSpec);
  const d = sweepDeps(env, aggregateStore(env));
  const thresholds = Object.assign(Object.create(d.thresholds) as SweepDeps['thresholds'], {
    listEnabled: async (shard: number) =>
      (await d.thresholds.listEnabled(shard)).filter((t) => t.threshold.userId === userId),
  });
  const breachStore = Object.assign(Object.create(d.breaches) as SweepDeps['breaches'], {
    listActive: async (shard: number) =>
      (await d.breaches.listActive(shard)).filter((b) => b.userId === userId),
  });
  return { ...d, thresholds, breaches: breachStore };
}

/** A sweep in this process, then the notices it asked the runtime's notifier for. */
async function sweepAndNotices(deps: SweepDeps, now: Date) {
  const summary = await runSweep(deps, now);
  await runtime.alerting.bus.idle();
  return summary;
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
    // Each notice links to its breach in the console this runtime serves.
    const link = (b: BreachOut) =>
      `${runtime.url}/console/#/users/ana?breach=${encodeURIComponent(b.breachId)}`;
    const criticalBreach = list.find((b) => b.level === 'critical') as BreachOut;
    expect(critical?.body.text).toContain(`Open in the console: ${link(criticalBreach)}`);
    expect(critical?.body.html).toContain(`<a href="${link(criticalBreach)}">`);
    for (const b of list) {
      const hook = anaHooks.find((h) => h.level === b.level);
      expect((JSON.parse(hook?.body ?? '{}') as { breach: { consoleUrl: string } }).breach.consoleUrl).toBe(
        link(b),
      );
    }

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
    const list = await breaches('ben');
    expect(list.map((b) => b.level).sort()).toEqual(['critical', 'emergency', 'warning']);
    // Racing calls may cross several levels at once (one notice at the highest): never more than
    // one notice per level, exactly the ones recorded as sent, and the emergency always notified.
    const sentEmails = list.filter((b) =>
      b.notifications.some((n) => n.channel === 'email' && n.status === 'sent'),
    );
    expect(sentEmails.map((b) => b.level)).toContain('emergency');
    expect((await emailsFor('ben')).length).toBe(sentEmails.length);
    expect(hooks.filter((h) => h.user === 'ben').length).toBe(sentEmails.length);
    for (const b of list.filter((x) => !sentEmails.includes(x))) {
      expect(b.notifications.every((n) => n.status === 'skipped')).toBe(true);
    }
  });

  it('when SES fails, email is retried, stays retryable for the sweep, then is failed for good after the deadline', async () => {
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
    const email = warning?.notifications.find((n) => n.channel === 'email') as { retryAt?: string };
    expect(email).toMatchObject({ status: 'failed', attempts: 3 });
    expect(email.retryAt).toBeDefined();
    expect(warning?.notifications.find((n) => n.channel === 'webhook')).toMatchObject({ status: 'sent' });
    expect(warning?.notifications.find((n) => n.channel === 'sms')).toMatchObject({ status: 'sent' });
    expect(hooks.some((h) => h.user === 'cat' && h.valid)).toBe(true);
    const deadLetters = async () =>
      (await readFile(runtime.alerting.deadLetterFile, 'utf8').catch(() => ''))
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(
          (line) =>
            JSON.parse(line) as { breachId: string; channel: string; status: string; attempts: number },
        );
    // Retryable: not dead-lettered yet.
    expect((await deadLetters()).filter((d) => d.breachId === warning?.breachId)).toEqual([]);

    // The sweep retries the email once it is due (SES still down), and only the email.
    const sweepDeps_ = () => onlyUser('cat');
    const hooksBefore = hooks.filter((h) => h.user === 'cat').length;
    const ses2 = mockClient(SESv2Client);
    ses2
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('SES is down'), { name: 'ServiceUnavailable' }));
    try {
      await sweepAndNotices(sweepDeps_(), new Date(Date.now() + 10 * 60_000));
      expect(ses2.commandCalls(SendEmailCommand)).toHaveLength(3);
      const [retried] = await breaches('cat');
      expect(retried?.notifications.find((n) => n.channel === 'email')).toMatchObject({
        status: 'failed',
        attempts: 6,
      });
      expect((await deadLetters()).filter((d) => d.breachId === warning?.breachId)).toEqual([]);
      // The next round would start after the deadline (30 minutes here): it fails for good, dead-lettered.
      await sweepAndNotices(sweepDeps_(), new Date(Date.now() + 25 * 60_000));
      expect(ses2.commandCalls(SendEmailCommand)).toHaveLength(6);
      // Nothing more to retry afterwards.
      await sweepAndNotices(sweepDeps_(), new Date(Date.now() + 40 * 60_000));
      expect(ses2.commandCalls(SendEmailCommand)).toHaveLength(6);
    } finally {
      ses2.restore();
    }
    const [final] = await breaches('cat');
    const finalEmail = final?.notifications.find((n) => n.channel === 'email') as { retryAt?: string };
    expect(finalEmail).toMatchObject({ status: 'failed', attempts: 9 });
    expect(finalEmail.retryAt).toBeUndefined();
    expect(hooks.filter((h) => h.user === 'cat').length).toBe(hooksBefore);
    expect(await deadLetters()).toContainEqual(
      expect.objectContaining({
        breachId: warning?.breachId,
        channel: 'email',
        status: 'failed',
        attempts: 9,
      }),
    );
  });

  it('a threshold in another zone created mid-period starts from the period-to-date', async () => {
    for (let i = 1; i <= 3; i++) {
      await call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event(`fay-${i}`, 'fay') });
    }
    await setup('fay', { limitUsd: 1, timezone: 'Asia/Kolkata', period: 'weekly' });
    // The period-to-date is added in the background (ThresholdBackfillRequested on the bus).
    await runtime.alerting.bus.idle();
    const [fay] = (
      await call<{ items: { periodTotals: string }[] }>(base, 'GET', '/thresholds/fay', { key: TENANT_A.key })
    ).body.items;
    expect(fay?.periodTotals).toBe('complete');
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
    expect(summary.escalated).toBeGreaterThanOrEqual(1);
    await runtime.alerting.bus.idle();
    const escalations = (await inbox()).filter((e) => e.subject.includes('Escalation'));
    // ben's racing events may have crossed critical together with emergency: a covered level is
    // escalated through the emergency's breach only.
    const benLevels = (await breaches('ben'))
      .filter((b) => b.level !== 'warning')
      .filter((b) => !b.notifications.every((n) => (n as { notifiedWith?: string }).notifiedWith))
      .map((b) => b.level)
      .sort();
    expect(benLevels).toContain('emergency');
    expect(escalations.filter((e) => e.destination.to[0] === 'lead-ben@example.com')).toHaveLength(
      benLevels.length,
    );
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
    ).toEqual(benLevels);
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
    const summary = await sweepAndNotices(deps(), new Date(Date.now() + 5 * 60_000));
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
    const summary = await sweepAndNotices(deps(), new Date());
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

describe('each notice once', () => {
  const notifier = () => {
    const env = loadEnvironment(notifierSpec);
    return notifyDeps(env, aggregateStore(env));
  };
  const smsTo = async (userId: string) =>
    (
      await call<{ items: { to: string; text: string }[] }>(runtime.url, 'GET', '/_local/sms')
    ).body.items.filter((s) => s.text.includes(userId));
  const deadLettersOf = async (breachIds: readonly string[]) =>
    (await readFile(runtime.alerting.deadLetterFile, 'utf8').catch(() => ''))
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { breachId: string })
      .filter((d) => breachIds.includes(d.breachId));

  it('a duplicate ThresholdBreached delivery and two concurrent sweeps send each channel once', async () => {
    await setup('dup', { limitUsd: 1, warningPercent: 20 });
    installLocalEventBus(undefined);
    try {
      await call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event('dup-1', 'dup') });
    } finally {
      installLocalEventBus(runtime.alerting.bus);
    }
    const [pending] = await breaches('dup');
    expect(pending?.notifications.every((n) => n.status === 'pending')).toBe(true);
    const later = new Date(Date.now() + 5 * 60_000);
    const deps = notifier();
    await Promise.all([
      notifyBreach(deps, TENANT_A.tenant, pending?.breachId as string, 'breach', later),
      notifyBreach(deps, TENANT_A.tenant, pending?.breachId as string, 'breach', later),
      runSweep(onlyUser('dup'), later),
      runSweep(onlyUser('dup'), later),
    ]);
    await runtime.alerting.bus.idle();
    expect(await emailsFor('dup')).toHaveLength(1);
    expect(hooks.filter((h) => h.user === 'dup')).toHaveLength(1);
    expect((await smsTo('dup')).filter((s) => s.to === '+4915112345678')).toHaveLength(1);
    const [sent] = await breaches('dup');
    expect(sent?.notifications.map((n) => `${n.channel}:${n.status}:${n.attempts}`).sort()).toEqual([
      'email:sent:1',
      'sms:sent:1',
      'webhook:sent:1',
    ]);
  });

  it('one event crossing three levels sends one notice, at the highest level', async () => {
    await setup('tri', { limitUsd: 1 });
    // 500k input tokens of Claude 3.5 Sonnet: $1.50 of $1 in one event.
    const res = await call(base, 'POST', '/track-usage', {
      key: TENANT_A.key,
      body: { ...event('tri-1', 'tri'), inputTokens: 500_000 },
    });
    expect(res.status).toBe(201);
    await runtime.alerting.bus.idle();
    const mails = await emailsFor('tri');
    expect(mails.map((m) => m.subject.split(':')[0])).toEqual(['[Cost alert] Emergency']);
    expect(hooks.filter((h) => h.user === 'tri').map((h) => h.level)).toEqual(['emergency']);
    expect((await smsTo('tri')).filter((s) => s.to === '+4915112345678')).toHaveLength(1);
    const list = await breaches('tri');
    expect(list.map((b) => b.level).sort()).toEqual(['critical', 'emergency', 'warning']);
    const emergency = list.find((b) => b.level === 'emergency') as BreachOut;
    for (const lower of list.filter((b) => b.level !== 'emergency')) {
      expect(lower.notifications).toEqual(
        ['email', 'sms', 'webhook'].map((channel) => ({
          channel,
          status: 'skipped',
          attempts: 0,
          notifiedWith: emergency.breachId,
        })),
      );
    }
    // A later sweep does not notify the lower levels either; it escalates the emergency only.
    await sweepAndNotices(onlyUser('tri'), new Date(Date.now() + 5 * 60_000));
    const after = await emailsFor('tri');
    expect(after.filter((m) => m.destination.to.includes('tri@example.com'))).toHaveLength(1);
    expect(after.filter((m) => m.destination.to.includes('lead-tri@example.com'))).toHaveLength(1);
  });

  it('a user without contacts: channels skipped, nothing dead-lettered, nothing retried', async () => {
    const res = await call<{ thresholdId: string }>(base, 'POST', '/thresholds', {
      key: TENANT_A.key,
      body: {
        userId: 'nobody',
        name: 'cap',
        limitUsd: 1,
        warningPercent: 20,
        channels: ['email', 'sms', 'webhook'],
      },
    });
    expect(res.status).toBe(201);
    await call(base, 'POST', '/track-usage', { key: TENANT_A.key, body: event('nobody-1', 'nobody') });
    await runtime.alerting.bus.idle();
    const list = await breaches('nobody');
    expect(list).toHaveLength(1);
    expect(list[0]?.notifications.map((n) => `${n.channel}:${n.status}:${n.attempts}`).sort()).toEqual([
      'email:skipped:0',
      'sms:skipped:0',
      'webhook:skipped:0',
    ]);
    const summary = await sweepAndNotices(onlyUser('nobody'), new Date(Date.now() + 5 * 60_000));
    expect(summary.redelivered).toBe(0);
    expect(await deadLettersOf(list.map((b) => b.breachId))).toEqual([]);
  });
});
