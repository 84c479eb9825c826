import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWebhookSender } from '../../lambdas/alerting/adapters/webhook-sender.js';
import { LOCAL_CHANNELS } from '../../lambdas/alerting/ports/senders.js';
import { notifyBreach } from '../../lambdas/alerting/use-cases/notify-breach.js';
import { notifyDeps } from '../../lambdas/alerting/wiring.js';
import { spec as notifierSpec } from '../../lambdas/functions/notifier-environment.js';
import { installLocalEventBus } from '../../lambdas/platform/events/local-event-bus.js';
import { loadEnvironment } from '../../lambdas/platform/function-spec.js';
import { localAdapters } from '../../lambdas/platform/local-adapters.js';
import { aggregateStore } from '../../lambdas/usage/wiring.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A } from '../support/runtime.js';

/**
 * Notification faults the alerting-flow test does not cover (it covers SES down): a webhook
 * target answering 500, one that never answers, and SNS failing for SMS and the ops topic.
 * Each failing channel is retried, recorded as `failed` with its attempts and sent to the
 * dead-letter sink, while the other channels deliver.
 */

process.env.NOTIFY_BACKOFF_MS = '5';
// No retry rounds by the sweep here: a failed round is final at once and dead-lettered (the
// retry by the sweep until the deadline is covered by the alerting-flow test).
process.env.NOTIFY_DEADLINE_SECONDS = '0';
const SECRET = 'webhook-secret-0123456789';
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

let runtime: LocalRuntime;
let base: string;
const hits = { failing: 0, hanging: 0, ok: 0 };
const servers: Server[] = [];
const urls = { failing: '', hanging: '', ok: '' };
const faultsInjected = { webhook500: 0, webhookTimeouts: 0, snsFailures: 0 };

async function receiver(name: keyof typeof hits, answer: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      hits[name]++;
      answer(res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  base = runtime.apiBase;
  urls.failing = await receiver('failing', (res) => res.writeHead(500).end('boom'));
  urls.hanging = await receiver('hanging', () => {
    // Never answers: the sender's timeout has to end the attempt.
  });
  urls.ok = await receiver('ok', (res) => res.writeHead(204).end());
});
afterAll(async () => {
  await runtime?.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  console.info(
    `notify faults: ${faultsInjected.webhook500} webhook 500s, ${faultsInjected.webhookTimeouts} webhook timeouts, ` +
      `${faultsInjected.snsFailures} SNS failures injected`,
  );
});

/** Alerting contacts and a $1 monthly threshold on every channel for `userId`. */
async function setup(userId: string, webhookUrl: string) {
  const put = await call(base, 'PUT', `/alerting/${userId}`, {
    key: TENANT_A.key,
    body: { email: `${userId}@example.com`, phone: '+4915112345678', webhookUrl, webhookSecret: SECRET },
  });
  expect(put.status).toBe(200);
  const res = await call(base, 'POST', '/thresholds', {
    key: TENANT_A.key,
    body: { userId, name: 'cap', limitUsd: 1, channels: ['email', 'sms', 'webhook'] },
  });
  expect(res.status).toBe(201);
}

/** One event of `inputTokens` Claude 3.5 Sonnet input tokens ($3 per million). */
const track = (userId: string, requestId: string, inputTokens: number) =>
  call(base, 'POST', '/track-usage', {
    key: TENANT_A.key,
    body: { requestId, userId, modelId: SONNET, inputTokens, outputTokens: 0 },
  });

interface BreachOut {
  breachId: string;
  level: string;
  notifications: { channel: string; status: string; attempts: number }[];
}
const breaches = async (userId: string) =>
  (await call<{ items: BreachOut[] }>(base, 'GET', `/breaches/${userId}`, { key: TENANT_A.key })).body.items;

const emailsTo = async (address: string) => {
  const res = await fetch(`${runtime.alerting.sesUrl}/store`);
  const { emails } = (await res.json()) as { emails: { destination: { to: string[] } }[] };
  return emails.filter((e) => e.destination.to.includes(address));
};

const deadLetters = async () =>
  (await readFile(runtime.alerting.deadLetterFile, 'utf8').catch(() => ''))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(
      (line) => JSON.parse(line) as { breachId: string; channel: string; status: string; attempts: number },
    );

/** Creates the breaches of one event while the bus is off, so the test delivers them itself. */
async function pendingBreaches(userId: string, inputTokens: number): Promise<BreachOut[]> {
  installLocalEventBus(undefined);
  try {
    expect((await track(userId, `${userId}-1`, inputTokens)).status).toBe(201);
  } finally {
    installLocalEventBus(runtime.alerting.bus);
  }
  const list = await breaches(userId);
  expect(list.length).toBeGreaterThan(0);
  // One event crossing several levels: the highest is pending, the lower ones are covered by it.
  expect(
    list.every((b) => b.notifications.every((n) => n.status === 'pending' || n.status === 'skipped')),
  ).toBe(true);
  return list;
}

describe('notification faults', () => {
  it('a webhook answering 500 is retried, recorded failed and dead-lettered; email and SMS go out', async () => {
    await setup('wh500', urls.failing);
    // $0.90 of $1: the warning level only, delivered by the runtime's own notifier.
    expect((await track('wh500', 'wh500-1', 300_000)).status).toBe(201);
    await runtime.alerting.bus.idle();
    const [warning] = await breaches('wh500');
    expect(warning?.level).toBe('warning');
    const byChannel = Object.fromEntries((warning?.notifications ?? []).map((n) => [n.channel, n]));
    expect(byChannel.webhook).toMatchObject({ status: 'failed', attempts: 3 });
    expect(byChannel.email).toMatchObject({ status: 'sent', attempts: 1 });
    expect(byChannel.sms).toMatchObject({ status: 'sent', attempts: 1 });
    expect(hits.failing).toBe(3);
    faultsInjected.webhook500 += hits.failing;
    expect(await emailsTo('wh500@example.com')).toHaveLength(1);
    expect(await deadLetters()).toContainEqual(
      expect.objectContaining({
        breachId: warning?.breachId,
        channel: 'webhook',
        status: 'failed',
        attempts: 3,
      }),
    );
  });

  it('a webhook that never answers times out on each attempt, is recorded failed; email still delivered', async () => {
    await setup('whslow', urls.hanging);
    const [warning] = await pendingBreaches('whslow', 300_000);
    const env = loadEnvironment(notifierSpec);
    const deps = {
      ...notifyDeps(env, aggregateStore(env)),
      webhook: new HttpWebhookSender({ allowPrivate: true, timeoutMs: 300 }),
    };
    const results = await notifyBreach(
      deps,
      TENANT_A.tenant,
      warning?.breachId as string,
      'breach',
      new Date(),
    );
    expect(results.find((r) => r.channel === 'webhook')).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: 'webhook timed out',
    });
    expect(hits.hanging).toBe(3);
    faultsInjected.webhookTimeouts += hits.hanging;
    const [stored] = await breaches('whslow');
    const byChannel = Object.fromEntries((stored?.notifications ?? []).map((n) => [n.channel, n]));
    expect(byChannel.webhook).toMatchObject({ status: 'failed', attempts: 3 });
    expect(byChannel.email).toMatchObject({ status: 'sent' });
    expect(byChannel.sms).toMatchObject({ status: 'sent' });
    expect(await emailsTo('whslow@example.com')).toHaveLength(1);
    expect(await deadLetters()).toContainEqual(
      expect.objectContaining({
        breachId: warning?.breachId,
        channel: 'webhook',
        status: 'failed',
        attempts: 3,
      }),
    );
  });

  it('SNS failing for SMS and the ops topic is recorded and dead-lettered while email and webhook deliver, one notice for three levels', async () => {
    await setup('snsdown', urls.ok);
    // $1.50 of $1: warning, critical and emergency.
    const list = await pendingBreaches('snsdown', 500_000);
    expect(list.map((b) => b.level).sort()).toEqual(['critical', 'emergency', 'warning']);
    const env = loadEnvironment(notifierSpec);
    const sns = mockClient(SNSClient);
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' }));
    try {
      // Deployed channel wiring: SMS and the ops topic through SNS (no local SMS log).
      const deps = notifyDeps(
        { ...env, EMERGENCY_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:cost-emergency' },
        aggregateStore(env),
        { ...localAdapters(LOCAL_CHANNELS), sms: undefined, emergencyTopic: undefined },
      );
      for (const breach of list) {
        const results = await notifyBreach(deps, TENANT_A.tenant, breach.breachId, 'breach', new Date());
        const byChannel = Object.fromEntries(results.map((r) => [r.channel, r]));
        if (breach.level !== 'emergency') {
          // Crossed with the emergency in one event: covered by its notice, nothing sent.
          expect(results).toEqual([]);
          continue;
        }
        expect(byChannel.sms).toMatchObject({ status: 'failed', attempts: 3, error: 'SNS is down' });
        expect(byChannel.email).toMatchObject({ status: 'sent' });
        expect(byChannel.webhook).toMatchObject({ status: 'sent' });
        expect(byChannel['emergency-topic']).toMatchObject({ status: 'failed', attempts: 3 });
      }
      const calls = sns.commandCalls(PublishCommand);
      faultsInjected.snsFailures += calls.length;
      // One notice: three SMS attempts, and three attempts on the topic.
      expect(calls.filter((c) => c.args[0].input.PhoneNumber === '+4915112345678')).toHaveLength(3);
      expect(calls.filter((c) => c.args[0].input.TopicArn)).toHaveLength(3);
    } finally {
      sns.restore();
    }
    const stored = await breaches('snsdown');
    const emergency = stored.find((b) => b.level === 'emergency') as BreachOut;
    for (const breach of stored) {
      const byChannel = Object.fromEntries(breach.notifications.map((n) => [n.channel, n]));
      if (breach.level !== 'emergency') {
        expect(Object.values(byChannel).every((n) => n.status === 'skipped')).toBe(true);
        continue;
      }
      expect(byChannel.sms).toMatchObject({ status: 'failed', attempts: 3 });
      expect(byChannel.email).toMatchObject({ status: 'sent' });
      expect(byChannel.webhook).toMatchObject({ status: 'sent' });
    }
    expect(await emailsTo('snsdown@example.com')).toHaveLength(1);
    expect(hits.ok).toBe(1);
    const dead = await deadLetters();
    expect(dead).toContainEqual(
      expect.objectContaining({
        breachId: emergency.breachId,
        channel: 'sms',
        status: 'failed',
        attempts: 3,
      }),
    );
    for (const breach of stored.filter((b) => b.level !== 'emergency')) {
      expect(dead.filter((d) => d.breachId === breach.breachId)).toEqual([]);
    }
    expect(dead).toContainEqual(
      expect.objectContaining({
        breachId: emergency.breachId,
        channel: 'emergency-topic',
        status: 'failed',
      }),
    );
  });
});
