import { addDays, utcDay } from '@cost-management/core';
import { logger, maskContact } from '../../platform/logger.js';
import { backoff } from '../../platform/retry.js';
import type { AggregateReader } from '../../usage/ports/read-stores.js';
import type {
  AlertChannel,
  AlertingConfig,
  AlertingConfigStore,
  Breach,
  BreachStore,
  NotificationResult,
} from '../ports/alerting-store.js';
import type {
  DeadLetterSink,
  EmailSender,
  SmsSender,
  TopicPublisher,
  WebhookSender,
} from '../ports/senders.js';
import {
  type DailySpend,
  type NoticeKind,
  noticeHtml,
  noticeSms,
  noticeSubject,
  noticeText,
  noticeWebhookBody,
} from './alert-message.js';

export interface NotifyDeps {
  breaches: BreachStore;
  alerting: AlertingConfigStore;
  aggregates: Pick<AggregateReader, 'readDays'>;
  email: EmailSender;
  sms: SmsSender;
  webhook: WebhookSender;
  /** Ops topic for emergencies; absent where none is configured. */
  emergencyTopic?: TopicPublisher;
  deadLetter: DeadLetterSink;
  retry: { attempts: number; baseDelayMs: number };
}

type Target = AlertChannel | 'emergency-topic';

/** Masks email addresses and phone numbers in a provider's error text (SES names the rejected address). */
const maskContacts = (text: string): string =>
  text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+|\+\d{7,15}/g, (contact) => maskContact(contact));

/** Runs `send` up to `attempts` times with exponential backoff; the result says how it went. */
async function withRetries(
  target: Target,
  retry: NotifyDeps['retry'],
  send: () => Promise<void>,
): Promise<NotificationResult> {
  let lastError = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    try {
      await send();
      return { channel: target, status: 'sent', attempts: attempt };
    } catch (error) {
      lastError = maskContacts((error as Error).message ?? String(error));
      if (attempt < retry.attempts) await backoff(attempt, { baseMs: retry.baseDelayMs, jitter: false });
    }
  }
  return { channel: target, status: 'failed', attempts: retry.attempts, error: lastError.slice(0, 300) };
}

/** The period's daily spend for the chart (UTC days, at most 31); empty when it cannot be read. */
async function periodDays(deps: NotifyDeps, breach: Breach, now: Date): Promise<DailySpend[]> {
  try {
    const from = utcDay(breach.periodStart);
    const endDay = utcDay(new Date(Math.min(now.getTime(), Date.parse(breach.periodEnd) - 1)).toISOString());
    const start = endDay > addDays(from, 30) ? addDays(endDay, -30) : from;
    if (start > endDay) return [];
    const input = await deps.aggregates.readDays(breach.tenantId, breach.userId, start, endDay);
    return input.days
      .map((d) => ({ date: d.date, costNano: d.totals.costNano }))
      .sort((a, b) => (a.date < b.date ? -1 : 1));
  } catch (error) {
    logger.warn('spend chart unavailable', { breachId: breach.breachId, error: error as Error });
    return [];
  }
}

interface Contacts {
  email?: string;
  phone?: string;
  webhookUrl?: string;
  webhookSecret?: string;
}

function contactsFor(config: AlertingConfig | undefined, kind: NoticeKind): Contacts {
  if (!config) return {};
  if (kind === 'escalation') return { ...config.escalation };
  return config;
}

/** Sends one notice on each target, in parallel, so a failing channel never holds up another. */
async function deliver(
  deps: NotifyDeps,
  breach: Breach,
  kind: NoticeKind,
  targets: readonly Target[],
  contacts: Contacts,
  now: Date,
): Promise<NotificationResult[]> {
  const days = targets.includes('email') ? await periodDays(deps, breach, now) : [];
  const subject = noticeSubject(breach, kind);
  const send = (target: Target): Promise<NotificationResult> => {
    switch (target) {
      case 'email': {
        const to = contacts.email;
        if (!to) return Promise.resolve(missing(target));
        return withRetries(target, deps.retry, () =>
          deps.email.send({
            to,
            subject,
            html: noticeHtml(breach, kind, days),
            text: noticeText(breach, kind, days),
          }),
        ).then((r) => logged(r, breach, maskContact(to)));
      }
      case 'sms': {
        const phone = contacts.phone;
        if (!phone) return Promise.resolve(missing(target));
        return withRetries(target, deps.retry, () => deps.sms.send(phone, noticeSms(breach, kind))).then(
          (r) => logged(r, breach, maskContact(phone)),
        );
      }
      case 'webhook': {
        const { webhookUrl, webhookSecret } = contacts;
        if (!webhookUrl || !webhookSecret) return Promise.resolve(missing(target));
        const body = noticeWebhookBody(breach, kind, now.toISOString());
        return withRetries(target, deps.retry, () => deps.webhook.send(webhookUrl, webhookSecret, body)).then(
          (r) => logged(r, breach, new URL(webhookUrl).host),
        );
      }
      default: {
        const topic = deps.emergencyTopic;
        if (!topic) return Promise.resolve(missing(target));
        return withRetries(target, deps.retry, () => topic.publish(subject, noticeText(breach, kind, days)));
      }
    }
  };
  const results = await Promise.all(targets.map(send));
  for (const result of results.filter((r) => r.status === 'failed')) {
    await deps.deadLetter
      .send({ kind, tenantId: breach.tenantId, breachId: breach.breachId, ...result })
      .catch((error: unknown) =>
        logger.error('dead-letter write failed', { breachId: breach.breachId, error: error as Error }),
      );
  }
  return results;
}

function missing(target: Target): NotificationResult {
  return { channel: target, status: 'failed', attempts: 0, error: `no ${target} contact configured` };
}

function logged(result: NotificationResult, breach: Breach, to: string): NotificationResult {
  const log = result.status === 'sent' ? logger.info.bind(logger) : logger.warn.bind(logger);
  log('notice delivery', {
    breachId: breach.breachId,
    channel: result.channel,
    to,
    status: result.status,
    attempts: result.attempts,
  });
  return result;
}

function merge(
  current: readonly NotificationResult[],
  results: readonly NotificationResult[],
): NotificationResult[] {
  const byChannel = new Map(current.map((n) => [n.channel, n]));
  for (const r of results) byChannel.set(r.channel, r);
  return [...byChannel.values()];
}

/**
 * Delivers the notice of `kind` for one breach on its channels and records the outcome on the
 * breach. A breach notice goes to the channels still `pending` (so a redelivery never repeats a
 * sent one), emergencies also to the ops topic; an escalation goes to the escalation contacts;
 * a resolution notice to the breach's channels. Returns the delivery results.
 */
export async function notifyBreach(
  deps: NotifyDeps,
  tenantId: string,
  breachId: string,
  kind: NoticeKind,
  now: Date,
): Promise<NotificationResult[]> {
  const breach = await deps.breaches.get(tenantId, breachId);
  if (!breach) {
    logger.warn('notice for an unknown breach dropped', { breachId });
    return [];
  }
  const config = await deps.alerting.get(tenantId, breach.userId);
  const contacts = contactsFor(config, kind);
  if (kind === 'breach') {
    const targets: Target[] = breach.notifications
      .filter((n) => n.status === 'pending')
      .map((n) => n.channel);
    if (breach.level === 'emergency' && !breach.notifications.some((n) => n.channel === 'emergency-topic')) {
      targets.push('emergency-topic');
    }
    const results = await deliver(deps, breach, kind, targets, contacts, now);
    await deps.breaches.update(tenantId, breachId, {
      notifications: merge(breach.notifications, results),
      delivery: 'done',
    });
    return results;
  }
  if (kind === 'escalation') {
    // Read again here: acknowledged or escalated (by an overlapping sweep) since the sweep listed it.
    if (breach.status !== 'open' || breach.escalatedAt) return [];
    const targets: Target[] = [
      ...(contacts.email ? ['email' as const] : []),
      ...(contacts.phone ? ['sms' as const] : []),
    ];
    const results = await deliver(deps, breach, kind, targets, contacts, now);
    await deps.breaches.update(tenantId, breachId, { escalatedAt: now.toISOString() });
    return results;
  }
  const pending = breach.resolutionNotifications?.filter((n) => n.status === 'pending').map((n) => n.channel);
  const targets: Target[] = pending ?? breach.channels;
  const results = await deliver(deps, breach, kind, targets, contacts, now);
  await deps.breaches.update(tenantId, breachId, {
    resolutionNotifications: merge(breach.resolutionNotifications ?? [], results),
    delivery: 'done',
  });
  return results;
}
