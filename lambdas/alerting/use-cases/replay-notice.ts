import type { Breach, BreachStore, NoticeList, NotificationResult } from '../ports/alerting-store.js';
import type { NoticeKind } from './alert-message.js';

/** A notice the notifier gave up on, as it is written to the dead-letter queue (see notify-breach.ts). */
export interface NoticeLetter {
  kind: NoticeKind;
  tenantId: string;
  breachId: string;
  channel: NotificationResult['channel'];
}

const KINDS: readonly NoticeKind[] = ['breach', 'resolution', 'escalation'];
const CHANNELS: readonly string[] = ['email', 'sms', 'webhook', 'emergency-topic'];

/** The notice letter in a dead-letter message body, or undefined when the body is something else. */
export function noticeLetterOf(body: unknown): NoticeLetter | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { kind, tenantId, breachId, channel } = body as Record<string, unknown>;
  if (
    typeof kind !== 'string' ||
    !(KINDS as readonly string[]).includes(kind) ||
    typeof tenantId !== 'string' ||
    typeof breachId !== 'string' ||
    typeof channel !== 'string' ||
    !CHANNELS.includes(channel)
  ) {
    return undefined;
  }
  return { kind: kind as NoticeKind, tenantId, breachId, channel: channel as NotificationResult['channel'] };
}

export interface ReopenedNotice {
  /**
   * `reopened`: the channel is due for one more delivery round (the notifier or the next sweep
   * sends it, under the usual per-channel claim); `settled`: nothing to send any more (delivered
   * meanwhile, still retrying, acknowledged or resolved); `gone`: the breach no longer exists
   * (erased or expired).
   */
  outcome: 'reopened' | 'settled' | 'gone';
  detail: string;
}

const listOf = (kind: NoticeKind): NoticeList =>
  kind === 'resolution' ? 'resolutionNotifications' : 'notifications';

/**
 * Replays one dead-lettered notice: a channel that failed for good becomes due for one more
 * round now (a dead-lettered escalation is forgotten, so the sweep escalates the open breach
 * again). Nothing is sent here: the notifier or the next sweep claims the channel and sends it at
 * most once; if that round fails again the notice is dead-lettered again.
 */
export async function reopenNotice(
  breaches: Pick<BreachStore, 'get' | 'reopenChannel' | 'reopenEscalation'>,
  letter: NoticeLetter,
  now: Date,
): Promise<ReopenedNotice> {
  const breach: Breach | undefined = await breaches.get(letter.tenantId, letter.breachId);
  if (!breach) return { outcome: 'gone', detail: 'the breach no longer exists (erased or expired)' };
  if (letter.kind === 'escalation') {
    if (breach.status !== 'open') return { outcome: 'settled', detail: `the breach is ${breach.status}` };
    return (await breaches.reopenEscalation(letter.tenantId, letter.breachId))
      ? { outcome: 'reopened', detail: 'the next sweep escalates the breach again' }
      : { outcome: 'settled', detail: 'the breach is not escalated or no longer open' };
  }
  const list = listOf(letter.kind);
  const index = (breach[list] ?? []).findIndex((n) => n.channel === letter.channel);
  const entry = (breach[list] ?? [])[index];
  if (!entry)
    return { outcome: 'settled', detail: `the ${letter.kind} notice has no ${letter.channel} channel` };
  if (entry.status !== 'failed' || entry.retryAt) {
    return {
      outcome: 'settled',
      detail: `the ${letter.channel} channel is ${entry.status}${entry.retryAt ? ' and retrying' : ''}`,
    };
  }
  const reopened = await breaches.reopenChannel(
    letter.tenantId,
    letter.breachId,
    list,
    index,
    letter.channel,
    now.toISOString(),
  );
  return reopened
    ? { outcome: 'reopened', detail: `the ${letter.channel} channel is due for one more round` }
    : { outcome: 'settled', detail: `the ${letter.channel} channel changed meanwhile` };
}
