import { randomUUID } from 'node:crypto';
import { addDays, utcDay } from '@cost-management/core';
import { logger, redactForLog } from '../../platform/logger.js';
import { backoff } from '../../platform/retry.js';
import type { AggregateReader } from '../../usage/ports/read-stores.js';
import type {
  AlertChannel,
  AlertingConfig,
  AlertingConfigStore,
  Breach,
  BreachStore,
  NoticeList,
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
  breachLink,
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
  /** The web console's URL: notices link to the breach in it (none when unset). */
  consoleUrl?: string;
  /**
   * `attempts` tries per round with `baseDelayMs` exponential backoff. A round that fails leaves
   * the channel retryable: the next round may start `roundBackoffMs` later (doubling each round,
   * at most an hour), while that is before `deadlineMs` after the notice was due; after that the
   * failure is final and dead-lettered. A claim holds `claimMs` (longer than a send can take).
   */
  retry: {
    attempts: number;
    baseDelayMs: number;
    roundBackoffMs?: number;
    deadlineMs?: number;
    claimMs?: number;
  };
  /** Claim tokens; random unless a test pins them. */
  token?: () => string;
}

export const DEFAULT_ROUND_BACKOFF_MS = 5 * 60_000;
export const DEFAULT_DELIVERY_DEADLINE_MS = 6 * 3600_000;
export const DEFAULT_CLAIM_MS = 5 * 60_000;
const MAX_ROUND_BACKOFF_MS = 3600_000;

type Target = AlertChannel | 'emergency-topic';

/**
 * A provider's error text without the contact it was sent to: SES names a rejected address, a
 * webhook failure its host (`getaddrinfo ENOTFOUND hooks.example.com`, `connect ECONNREFUSED
 * 10.0.0.5:443`). The contact's own spellings go first, then anything else that looks like one.
 * The text is stored on the breach, answered by `GET /breaches` and put in dead letters.
 */
export function scrubDeliveryError(text: string, contacts: Contacts): string {
  const known: [string, string][] = [];
  if (contacts.email) known.push([contacts.email, '[email]']);
  if (contacts.phone) known.push([contacts.phone, '[phone]']);
  if (contacts.webhookUrl) {
    known.push([contacts.webhookUrl, '[webhook]']);
    try {
      const url = new URL(contacts.webhookUrl);
      known.push([url.host, '[webhook]'], [url.hostname.replace(/^\[|\]$/g, ''), '[webhook]']);
    } catch {
      // Not a URL: only its full spelling is replaced.
    }
  }
  let scrubbed = text;
  for (const [value, placeholder] of known.sort((a, b) => b[0].length - a[0].length)) {
    if (value) scrubbed = scrubbed.split(value).join(placeholder);
  }
  return redactForLog(scrubbed);
}

/** Runs `send` up to `attempts` times with exponential backoff; the result says how it went. */
async function withRetries(
  target: Target,
  retry: NotifyDeps['retry'],
  contacts: Contacts,
  send: () => Promise<void>,
): Promise<NotificationResult> {
  let lastError = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    try {
      await send();
      return { channel: target, status: 'sent', attempts: attempt };
    } catch (error) {
      lastError = scrubDeliveryError((error as Error).message ?? String(error), contacts);
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

/** The contacts a notice goes to (the user's, or the escalation contacts). */
export interface Contacts {
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
  const link = deps.consoleUrl ? breachLink(deps.consoleUrl, breach) : undefined;
  const send = (target: Target): Promise<NotificationResult> => {
    switch (target) {
      case 'email': {
        const to = contacts.email;
        if (!to) return Promise.resolve(missing(target));
        return withRetries(target, deps.retry, contacts, () =>
          deps.email.send({
            to,
            subject,
            html: noticeHtml(breach, kind, days, link),
            text: noticeText(breach, kind, days, link),
          }),
        ).then((r) => logged(r, breach));
      }
      case 'sms': {
        const phone = contacts.phone;
        if (!phone) return Promise.resolve(missing(target));
        return withRetries(target, deps.retry, contacts, () =>
          deps.sms.send(phone, noticeSms(breach, kind)),
        ).then((r) => logged(r, breach));
      }
      case 'webhook': {
        const { webhookUrl, webhookSecret } = contacts;
        if (!webhookUrl || !webhookSecret) return Promise.resolve(missing(target));
        const body = noticeWebhookBody(breach, kind, now.toISOString(), link);
        return withRetries(target, deps.retry, contacts, () =>
          deps.webhook.send(webhookUrl, webhookSecret, body),
        ).then((r) => logged(r, breach));
      }
      default: {
        const topic = deps.emergencyTopic;
        if (!topic) return Promise.resolve(missing(target));
        return withRetries(target, deps.retry, contacts, () =>
          topic.publish(subject, noticeText(breach, kind, days, link)),
        );
      }
    }
  };
  return Promise.all(targets.map(send));
}

async function deadLetter(deps: NotifyDeps, breach: Breach, kind: NoticeKind, result: NotificationResult) {
  await deps.deadLetter
    .send({
      kind,
      tenantId: breach.tenantId,
      breachId: breach.breachId,
      channel: result.channel,
      status: result.status,
      attempts: result.attempts,
      ...(result.rounds ? { rounds: result.rounds } : {}),
      ...(result.error ? { error: result.error } : {}),
    })
    .catch((error: unknown) =>
      logger.error('dead-letter write failed', { breachId: breach.breachId, error: error as Error }),
    );
}

function missing(target: Target): NotificationResult {
  return { channel: target, status: 'skipped', attempts: 0, error: `no ${target} contact configured` };
}

/** Logs a delivery by breach and channel: the contact itself never goes into a log. */
function logged(result: NotificationResult, breach: Breach): NotificationResult {
  const log = result.status === 'sent' ? logger.info.bind(logger) : logger.warn.bind(logger);
  log('notice delivery', {
    breachId: breach.breachId,
    channel: result.channel,
    status: result.status,
    attempts: result.attempts,
  });
  return result;
}

/** True when a channel needs no further sending: sent, skipped, or failed for good. */
export const isFinal = (n: NotificationResult): boolean =>
  n.status === 'sent' || n.status === 'skipped' || (n.status === 'failed' && !n.retryAt);

/** True when a sender may claim the channel at `now`. */
function claimable(n: NotificationResult, now: string): boolean {
  if (n.status === 'pending') return true;
  if (n.status === 'failed') return n.retryAt !== undefined && n.retryAt <= now;
  return n.status === 'sending' && (n.claimedUntil ?? '') <= now;
}

/**
 * Sends the notice on every claimable channel of `list`, each at most once: a conditional claim
 * on the breach item comes before the send, so a duplicate event or a concurrent sweep finds the
 * channel taken and sends nothing. The outcome is recorded under the claim; a failed round stays
 * retryable until the deadline, then is final and dead-lettered. `delivery` becomes `done` once
 * every channel is final.
 */
async function deliverClaimed(
  deps: NotifyDeps,
  breach: Breach,
  kind: NoticeKind,
  list: NoticeList,
  contacts: Contacts,
  now: Date,
): Promise<NotificationResult[]> {
  const at = now.toISOString();
  const entries = breach[list] ?? [];
  const token = deps.token ?? (() => randomUUID());
  const claimMs = deps.retry.claimMs ?? DEFAULT_CLAIM_MS;
  const claimed: { index: number; entry: NotificationResult; token: string }[] = [];
  for (const [index, entry] of entries.entries()) {
    if (!claimable(entry, at)) continue;
    const mine = token();
    const ok = await deps.breaches.claimChannel(breach.tenantId, breach.breachId, list, index, {
      channel: entry.channel,
      token: mine,
      now: at,
      until: new Date(now.getTime() + claimMs).toISOString(),
    });
    if (ok) claimed.push({ index, entry, token: mine });
  }
  if (claimed.length === 0) {
    await markDoneIfFinal(deps, breach, list);
    return [];
  }
  const sent = await deliver(
    deps,
    breach,
    kind,
    claimed.map((c) => c.entry.channel),
    contacts,
    now,
  );
  const dueFrom = Date.parse((list === 'notifications' ? breach.detectedAt : breach.resolvedAt) ?? at);
  const deadline = dueFrom + (deps.retry.deadlineMs ?? DEFAULT_DELIVERY_DEADLINE_MS);
  const results: NotificationResult[] = [];
  let latest: Breach | undefined;
  for (const [i, { index, entry, token: mine }] of claimed.entries()) {
    let result = sent[i] as NotificationResult;
    const rounds = (entry.rounds ?? 0) + (result.status === 'skipped' ? 0 : 1);
    result = { ...result, attempts: entry.attempts + result.attempts, ...(rounds > 0 ? { rounds } : {}) };
    if (result.status === 'failed') {
      const wait = Math.min(
        (deps.retry.roundBackoffMs ?? DEFAULT_ROUND_BACKOFF_MS) * 2 ** (rounds - 1),
        MAX_ROUND_BACKOFF_MS,
      );
      const next = now.getTime() + wait;
      if (next < deadline) result = { ...result, retryAt: new Date(next).toISOString() };
      else await deadLetter(deps, breach, kind, result);
    }
    const recorded = await deps.breaches.recordChannel(
      breach.tenantId,
      breach.breachId,
      list,
      index,
      mine,
      result,
    );
    if (recorded) latest = recorded;
    results.push(result);
  }
  await markDoneIfFinal(deps, latest ?? breach, list);
  return results;
}

async function markDoneIfFinal(deps: NotifyDeps, breach: Breach, list: NoticeList): Promise<void> {
  if (breach.delivery === 'done' || !(breach[list] ?? []).every(isFinal)) return;
  await deps.breaches.update(breach.tenantId, breach.breachId, { delivery: 'done' });
}

/**
 * Delivers the notice of `kind` for one breach on its channels and records the outcome on the
 * breach. A breach notice goes to the channels that are still `pending` or due for a retry (so a
 * redelivery never repeats a sent one), emergencies also to the ops topic; an escalation goes to
 * the escalation contacts; a resolution notice to the breach's channels. Returns the results of
 * the channels this call sent (or skipped).
 */
export async function notifyBreach(
  deps: NotifyDeps,
  tenantId: string,
  breachId: string,
  kind: NoticeKind,
  now: Date,
): Promise<NotificationResult[]> {
  let breach = await deps.breaches.get(tenantId, breachId);
  if (!breach) {
    logger.warn('notice for an unknown breach dropped', { breachId });
    return [];
  }
  const config = await deps.alerting.get(tenantId, breach.userId);
  const contacts = contactsFor(config, kind);
  if (kind === 'breach') {
    if (
      breach.level === 'emergency' &&
      !breach.notifiedWith &&
      !breach.notifications.some((n) => n.channel === 'emergency-topic')
    ) {
      await deps.breaches.appendChannel(tenantId, breachId, 'notifications', breach.notifications.length, {
        channel: 'emergency-topic',
        status: 'pending',
        attempts: 0,
      });
      breach = (await deps.breaches.get(tenantId, breachId)) ?? breach;
    }
    return deliverClaimed(deps, breach, kind, 'notifications', contacts, now);
  }
  if (kind === 'escalation') {
    // Read again here: acknowledged or escalated (by an overlapping sweep) since the sweep listed it.
    if (breach.status !== 'open' || breach.escalatedAt) return [];
    // One sender at a time: a duplicate event or an overlapping sweep finds the claim and sends
    // nothing. A sender that dies holding it leaves it to expire; the next sweep asks again.
    const claimed = await deps.breaches.claimEscalation(tenantId, breachId, {
      token: (deps.token ?? (() => randomUUID()))(),
      now: now.toISOString(),
      until: new Date(now.getTime() + (deps.retry.claimMs ?? DEFAULT_CLAIM_MS)).toISOString(),
    });
    if (!claimed) return [];
    const targets: Target[] = [
      ...(contacts.email ? ['email' as const] : []),
      ...(contacts.phone ? ['sms' as const] : []),
    ];
    const results = await deliver(deps, breach, kind, targets, contacts, now);
    for (const result of results.filter((r) => r.status === 'failed'))
      await deadLetter(deps, breach, kind, result);
    await deps.breaches.update(tenantId, breachId, { escalatedAt: now.toISOString() });
    return results;
  }
  return deliverClaimed(deps, breach, kind, 'resolutionNotifications', contacts, now);
}
