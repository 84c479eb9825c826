import { randomBytes } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { SqsDeadLetterSink } from '../../lambdas/alerting/adapters/aws-senders.js';
import type { Breach, NotificationResult } from '../../lambdas/alerting/ports/alerting-store.js';
import type { EmailSender } from '../../lambdas/alerting/ports/senders.js';
import { type NotifyDeps, notifyBreach } from '../../lambdas/alerting/use-cases/notify-breach.js';
import { alertingConfigStore, breachStore } from '../../lambdas/alerting/wiring.js';
import { physicalTableName, TABLES } from '../../lambdas/platform/tables.js';
import { main } from '../../scripts/dlq-replay.js';
import { breachFixture } from '../support/alerting-fixtures.js';
import { createTablesAt } from '../support/dynamo.js';

/**
 * `npm run dlq:replay` against an in-memory SQS queue (the SDK mocked with SQS's receive, hide and
 * delete semantics), Lambda mocked at the SDK, and the breaches in DynamoDB Local: a notice the
 * real notifier dead-lettered is reopened and then delivered once; events go back to their
 * function; nothing is deleted that was not replayed.
 */

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/000000000000/notifier-dead-letters';
const FUNCTION = 'CostManagement-dev-Alerting-Notifier';
const TENANT = 'tenant-dlq';
const prefix = `q${randomBytes(4).toString('hex')}`;
const env = {
  THRESHOLD_BREACHES_TABLE: physicalTableName(TABLES.thresholdBreaches, prefix),
  ALERTING_CONFIG_TABLE: physicalTableName(TABLES.alertingConfig, prefix),
};

interface Queued {
  id: string;
  body: string;
  invisibleUntil: number;
  receipt?: string;
}
const queue: Queued[] = [];
let nextId = 0;
const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const invoked: string[] = [];

function enqueue(body: unknown): string {
  const id = `m-${++nextId}`;
  queue.push({ id, body: typeof body === 'string' ? body : JSON.stringify(body), invisibleUntil: 0 });
  return id;
}

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  await createTablesAt(endpoint, prefix);
});
afterAll(() => {
  sqs.restore();
  lambda.restore();
});

beforeEach(() => {
  queue.length = 0;
  invoked.length = 0;
  sqs.reset();
  lambda.reset();
  sqs.on(SendMessageCommand).callsFake((input: { MessageBody: string }) => {
    return { MessageId: enqueue(input.MessageBody) };
  });
  sqs
    .on(ReceiveMessageCommand)
    .callsFake((input: { MaxNumberOfMessages?: number; VisibilityTimeout?: number }) => {
      const now = Date.now();
      const visible = queue.filter((m) => m.invisibleUntil <= now).slice(0, input.MaxNumberOfMessages ?? 1);
      for (const m of visible) {
        m.receipt = `r-${m.id}-${now}`;
        m.invisibleUntil = now + (input.VisibilityTimeout ?? 30) * 1000;
      }
      return { Messages: visible.map((m) => ({ MessageId: m.id, Body: m.body, ReceiptHandle: m.receipt })) };
    });
  sqs.on(DeleteMessageCommand).callsFake((input: { ReceiptHandle: string }) => {
    const index = queue.findIndex((m) => m.receipt === input.ReceiptHandle);
    if (index >= 0) queue.splice(index, 1);
    return {};
  });
  lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array; InvocationType: string }) => {
    expect(input.InvocationType).toBe('Event');
    invoked.push(new TextDecoder().decode(input.Payload));
    return { StatusCode: 202 };
  });
});

/** An open critical breach of alice this month, with `channels` in the given delivery state. */
function breachOf(breachId: string, channels: NotificationResult[]): Breach {
  const now = new Date();
  return breachFixture({
    tenantId: TENANT,
    breachId,
    thresholdId: 'th-1',
    thresholdName: 'monthly cap',
    userId: 'alice',
    level: 'critical',
    periodKey: now.toISOString().slice(0, 7),
    periodStart: `${now.toISOString().slice(0, 7)}-01T00:00:00.000Z`,
    periodEnd: new Date(now.getTime() + 10 * 86_400_000).toISOString(),
    spendNano: 2_000_000_000,
    channels: channels.map((c) => c.channel).filter((c) => c !== 'emergency-topic') as Breach['channels'],
    detectedAt: now.toISOString(),
    notifications: channels,
    delivery: 'pending',
  });
}

/** The notifier's dependencies with the given email sender; the dead letters go to the SQS queue. */
function notifier(email: EmailSender): NotifyDeps {
  const noSend = { send: async () => {} };
  return {
    breaches: breachStore(env),
    alerting: alertingConfigStore(env),
    aggregates: { readDays: async () => ({ days: [] }) } as unknown as NotifyDeps['aggregates'],
    email,
    sms: noSend,
    webhook: noSend as unknown as NotifyDeps['webhook'],
    deadLetter: new SqsDeadLetterSink(new SQSClient({ region: 'us-east-1' }), QUEUE),
    // One try per round and no time for a second round: a failure is final and dead-lettered.
    retry: { attempts: 1, baseDelayMs: 0, deadlineMs: 0 },
  };
}

/** Alice's contacts, with an escalation to `lead` after a minute. */
const escalatingTo = (lead: string) =>
  alertingConfigStore(env).put(TENANT, {
    userId: 'alice',
    email: 'alice@example.com',
    escalation: { afterMinutes: 1, email: lead },
  });

/** An email sender that works and records whom it sent to. */
function recordingEmail(): { sent: string[]; working: EmailSender } {
  const sent: string[] = [];
  return { sent, working: { send: async (message) => void sent.push(message.to) } };
}

const lines: string[] = [];
const run = (...args: string[]) =>
  main(['--queue', QUEUE, '--region', 'us-east-1', ...args], { print: (line) => lines.push(line) });

describe('npm run dlq:replay', () => {
  it('reopens a dead-lettered notice, which is then sent once; replays events; keeps what it cannot replay', async () => {
    await alertingConfigStore(env).put(TENANT, { userId: 'alice', email: 'alice@example.com' });
    const breaches = breachStore(env);
    await breaches.createIfAbsent(
      breachOf('th-1.p.critical', [{ channel: 'email', status: 'pending', attempts: 0 }]),
    );
    // SES is down: the real notifier gives up on the email and dead-letters it.
    const failing = { send: async () => Promise.reject(new Error('SES throttled')) };
    await notifyBreach(notifier(failing), TENANT, 'th-1.p.critical', 'breach', new Date());
    expect((await breaches.get(TENANT, 'th-1.p.critical'))?.notifications[0]).toMatchObject({
      status: 'failed',
    });
    expect(queue).toHaveLength(1);
    // What else lands in the dead-letter queues: an event the function failed on, a scheduled
    // run, a letter of a breach that was erased since, and something unreadable.
    const event = {
      version: '0',
      id: 'ev-1',
      'detail-type': 'ThresholdBreached',
      source: 'cost-management',
      detail: { tenantId: TENANT, breachId: 'th-9.p.warning' },
    };
    enqueue(event);
    enqueue({ version: '0', id: 'ev-2', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    enqueue({
      kind: 'breach',
      tenantId: TENANT,
      breachId: 'gone.p.warning',
      channel: 'sms',
      status: 'failed',
    });
    const unreadable = enqueue('not json');

    lines.length = 0;
    expect(await run('--function', FUNCTION, '--breaches-table', env.THRESHOLD_BREACHES_TABLE)).toBe(1);
    expect(lines.at(-1)).toBe('1 replayed, 1 notices reopened, 2 dropped, 1 kept');
    expect(invoked.map((p) => JSON.parse(p))).toEqual([event]);
    expect(queue.map((m) => m.id)).toEqual([unreadable]);
    const reopened = await breaches.get(TENANT, 'th-1.p.critical');
    expect(reopened?.delivery).toBe('pending');
    expect(reopened?.notifications[0]).toMatchObject({ status: 'failed', retryAt: expect.any(String) });
    // The sweep finds it again among the active breaches of its shard.
    const active = (
      await Promise.all([...Array(breaches.shards).keys()].map((s) => breaches.listActive(s)))
    ).flat();
    expect(active.map((b) => b.breachId)).toContain('th-1.p.critical');

    // SES is back: two deliveries at once (the sweep and a late event) send the email once.
    const { sent, working } = recordingEmail();
    await Promise.all([
      notifyBreach(notifier(working), TENANT, 'th-1.p.critical', 'breach', new Date()),
      notifyBreach(notifier(working), TENANT, 'th-1.p.critical', 'breach', new Date()),
    ]);
    expect(sent).toEqual(['alice@example.com']);
    const delivered = await breaches.get(TENANT, 'th-1.p.critical');
    expect(delivered?.notifications[0]).toMatchObject({ status: 'sent' });
    expect(delivered?.delivery).toBe('done');

    // Replaying the same letter again finds nothing to send: it is dropped, not sent twice.
    enqueue({ kind: 'breach', tenantId: TENANT, breachId: 'th-1.p.critical', channel: 'email' });
    queue.splice(0, 1);
    lines.length = 0;
    expect(await run('--breaches-table', env.THRESHOLD_BREACHES_TABLE)).toBe(0);
    expect(lines[0]).toMatch(/^dropped .*the email channel is sent/);
    expect(queue).toEqual([]);
  });

  it('reopens a dead-lettered escalation, which is then sent once by two senders at once', async () => {
    await escalatingTo('lead@example.com');
    const breaches = breachStore(env);
    await breaches.createIfAbsent(
      breachOf('th-3.p.critical', [{ channel: 'email', status: 'sent', attempts: 1 }]),
    );
    const failing = { send: async () => Promise.reject(new Error('SES throttled')) };
    await notifyBreach(notifier(failing), TENANT, 'th-3.p.critical', 'escalation', new Date());
    expect((await breaches.get(TENANT, 'th-3.p.critical'))?.escalatedAt).toEqual(expect.any(String));
    expect(queue.map((m) => JSON.parse(m.body))).toEqual([
      expect.objectContaining({ kind: 'escalation', breachId: 'th-3.p.critical', channel: 'email' }),
    ]);
    lines.length = 0;
    expect(await run('--breaches-table', env.THRESHOLD_BREACHES_TABLE)).toBe(0);
    expect(lines[0]).toMatch(/^reopened .*the next sweep escalates the breach again/);
    expect((await breaches.get(TENANT, 'th-3.p.critical'))?.escalatedAt).toBeUndefined();

    const { sent, working } = recordingEmail();
    const now = new Date();
    await Promise.all([
      notifyBreach(notifier(working), TENANT, 'th-3.p.critical', 'escalation', now),
      notifyBreach(notifier(working), TENANT, 'th-3.p.critical', 'escalation', now),
    ]);
    expect(sent).toEqual(['lead@example.com']);
    // Escalated: a late duplicate sends nothing either.
    await notifyBreach(notifier(working), TENANT, 'th-3.p.critical', 'escalation', new Date());
    expect(sent).toEqual(['lead@example.com']);
  });

  it('leaves an escalation claimed by a sender that died to the next sender once the claim expired', async () => {
    await escalatingTo('lead@example.com');
    const breaches = breachStore(env);
    await breaches.createIfAbsent(
      breachOf('th-4.p.critical', [{ channel: 'email', status: 'sent', attempts: 1 }]),
    );
    const now = new Date();
    // A sender claimed it and died before sending.
    expect(
      await breaches.claimEscalation(TENANT, 'th-4.p.critical', {
        token: 'dead',
        now: now.toISOString(),
        until: new Date(now.getTime() + 60_000).toISOString(),
      }),
    ).toBe(true);
    const { sent, working } = recordingEmail();
    await notifyBreach(notifier(working), TENANT, 'th-4.p.critical', 'escalation', now);
    expect(sent).toEqual([]);
    await notifyBreach(
      notifier(working),
      TENANT,
      'th-4.p.critical',
      'escalation',
      new Date(now.getTime() + 61_000),
    );
    expect(sent).toEqual(['lead@example.com']);
  });

  it('changes nothing on a dry run, and keeps an event whose replay failed', async () => {
    const breaches = breachStore(env);
    await breaches.createIfAbsent(
      breachOf('th-2.p.warning', [{ channel: 'sms', status: 'failed', attempts: 3, error: 'SNS down' }]),
    );
    enqueue({ kind: 'breach', tenantId: TENANT, breachId: 'th-2.p.warning', channel: 'sms' });
    enqueue({ 'detail-type': 'ErasureRequested', source: 'cost-management', detail: { tenantId: TENANT } });
    lines.length = 0;
    expect(
      await run('--function', FUNCTION, '--breaches-table', env.THRESHOLD_BREACHES_TABLE, '--dry-run'),
    ).toBe(0);
    expect(lines.at(-1)).toBe('dry run: 1 replayed, 1 notices reopened, 0 dropped, 0 kept');
    expect(invoked).toEqual([]);
    expect(queue).toHaveLength(2);
    expect((await breaches.get(TENANT, 'th-2.p.warning'))?.notifications[0]?.retryAt).toBeUndefined();

    // Without the breaches table a notice stays; Lambda refusing the event keeps the event.
    lambda.on(InvokeCommand).rejects(new Error('Rate exceeded'));
    lines.length = 0;
    expect(await run('--function', FUNCTION)).toBe(1);
    expect(lines.slice(0, 2)).toEqual([
      expect.stringMatching(/^kept +m-\d+: a notice: pass --breaches-table/),
      expect.stringMatching(/^kept +m-\d+: replay failed: Rate exceeded/),
    ]);
    expect(queue).toHaveLength(2);
  });

  it('refuses a call without a queue', async () => {
    expect(await main(['--function', FUNCTION], { print: () => {} })).toBe(2);
  });
});
