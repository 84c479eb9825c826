import type { BreachLevel, PeriodKind, ThresholdType } from '@cost-management/core';
import type { AuditWrite } from '../../privacy/ports/audit-log.js';

export type AlertChannel = 'email' | 'sms' | 'webhook';
export const ALERT_CHANNELS: readonly AlertChannel[] = ['email', 'sms', 'webhook'];

export interface Threshold {
  thresholdId: string;
  userId: string;
  name: string;
  type: ThresholdType;
  period: PeriodKind;
  /** 0 for `percentage` thresholds without a limit. */
  limitNano: number;
  warningPercent: number;
  emergencyPercent: number;
  changePercent: number;
  timezone: string;
  channels: AlertChannel[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /**
   * Whether the period total this threshold reads holds every record of its period. UTC thresholds
   * read totals every event adds to: always `complete`. A threshold in another zone is stored
   * `pending` when it starts watching (created, enabled, moved to another zone or period) and becomes
   * `complete` once the threshold-backfill function added the records written before
   * `backfillBefore` (`backfill-period.ts`). Absent on thresholds stored before it existed: complete.
   */
  periodTotals?: 'pending' | 'complete';
  /**
   * The instant this threshold started feeding its zone's period totals: ingest adds to them the
   * records written from then on, the backfill the records written before. Absent: from always.
   */
  backfillBefore?: string;
  /** When the backfill completed the period total. */
  periodTotalsCompletedAt?: string;
}

export interface AlertingConfig {
  userId: string;
  email?: string;
  phone?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  escalation?: { afterMinutes: number; email?: string; phone?: string };
  updatedAt?: string;
}

/**
 * Delivery state of one channel of a notice. `pending` → `sending` (claimed by one sender until
 * `claimedUntil`) → `sent`, `skipped` (no contact, or the notice of a higher level crossed at the
 * same time covers it: `notifiedWith`) or `failed`. A `failed` channel with `retryAt` is retried
 * from then on (by the sweep); without `retryAt` the failure is final.
 */
export interface NotificationResult {
  channel: AlertChannel | 'emergency-topic';
  status: 'sent' | 'failed' | 'pending' | 'sending' | 'skipped';
  attempts: number;
  error?: string;
  /** Token of the sender that claimed the channel, and until when its claim holds. */
  claim?: string;
  claimedUntil?: string;
  /** A retryable failure: when the next round may start. */
  retryAt?: string;
  /** Delivery rounds so far (each of up to `attempts` tries). */
  rounds?: number;
  /** Breach id of the notice that covered this one (a higher level crossed at the same time). */
  notifiedWith?: string;
}

/** Which notice list of a breach a channel belongs to. */
export type NoticeList = 'notifications' | 'resolutionNotifications';

export type BreachStatus = 'open' | 'acknowledged' | 'resolved';

export interface Breach {
  tenantId: string;
  breachId: string;
  thresholdId: string;
  thresholdName: string;
  thresholdType: ThresholdType;
  userId: string;
  level: BreachLevel;
  status: BreachStatus;
  periodKey: string;
  periodStart: string;
  periodEnd: string;
  timezone: string;
  spendNano: number;
  limitNano: number;
  channels: AlertChannel[];
  detectedAt: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  escalatedAt?: string;
  /** Delivery of the breach notice per channel. */
  notifications: NotificationResult[];
  /** Delivery of the resolution notice, once resolved. */
  resolutionNotifications?: NotificationResult[];
  /** `pending` until every channel of the notice is final (sent, skipped or failed for good). */
  delivery: 'pending' | 'done';
  /** Crossed together with a higher level: the breach id whose notice covered this one. */
  notifiedWith?: string;
}

/** Port: thresholds of a tenant, by user, and the enabled ones of every tenant (sweep). */
export interface ThresholdStore {
  /** Stores a threshold; with `audit`, in one transaction with the audit entry of the change. */
  put(tenantId: string, threshold: Threshold, audit?: AuditWrite): Promise<void>;
  get(tenantId: string, thresholdId: string): Promise<Threshold | undefined>;
  listByUser(tenantId: string, userId: string): Promise<Threshold[]>;
  /**
   * Marks a threshold's period totals complete, on condition that it still waits for the backfill
   * that started at `backfillBefore` (not changed meanwhile). False when it did not.
   */
  completePeriodTotals(
    tenantId: string,
    thresholdId: string,
    backfillBefore: string,
    at: string,
  ): Promise<boolean>;
  /**
   * Deletes and answers the deleted threshold; undefined when there was none. With `audited`, deletes
   * it only while it is still `current` (as read for the audit entry), in one transaction with the
   * entry; undefined when it is gone or changed meanwhile.
   */
  delete(
    tenantId: string,
    thresholdId: string,
    audited?: { current: Threshold; audit: AuditWrite },
  ): Promise<Threshold | undefined>;
  /** Enabled thresholds of every tenant in one shard of the sweep index. */
  listEnabled(shard: number): Promise<{ tenantId: string; threshold: Threshold }[]>;
  readonly shards: number;
}

export interface AlertingConfigStore {
  get(tenantId: string, userId: string): Promise<AlertingConfig | undefined>;
  /** Stores a user's contacts; with `audit`, in one transaction with the audit entry of the change. */
  put(tenantId: string, config: AlertingConfig, audit?: AuditWrite): Promise<void>;
}

export type BreachUpdate = Partial<
  Pick<
    Breach,
    | 'status'
    | 'acknowledgedAt'
    | 'resolvedAt'
    | 'escalatedAt'
    | 'notifications'
    | 'resolutionNotifications'
    | 'delivery'
  >
>;

/** Port: breaches, one per threshold, period and level. */
export interface BreachStore {
  /** Writes the breach unless one with its id exists; true when this call created it. */
  createIfAbsent(breach: Breach): Promise<boolean>;
  get(tenantId: string, breachId: string): Promise<Breach | undefined>;
  listByUser(tenantId: string, userId: string, status?: BreachStatus): Promise<Breach[]>;
  /**
   * The breaches of every user of a tenant (of one status, or all), newest first (detection time,
   * then id), `limit` at a time; `nextCursor` (absent on the last page) names where the page ended.
   */
  listByTenant(
    tenantId: string,
    status: BreachStatus | undefined,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ breaches: Breach[]; nextCursor?: string }>;
  /** The number of open breaches of each user of a tenant that has any. */
  openCountsByUser(tenantId: string): Promise<Map<string, number>>;
  /**
   * Breaches that are not resolved or whose delivery is pending, every tenant, whose threshold is
   * in `shard` of the thresholds' sweep index: one sweep worker reads a breach with its threshold.
   */
  listActive(shard: number): Promise<Breach[]>;
  /**
   * Moves active breaches indexed the way of earlier versions (by a shard of their own id) to their
   * threshold's shard, until `deadline` (epoch ms); `done` when none is left. The sweep's
   * coordinator calls it before fanning out; absent where there is nothing to move.
   */
  reindexLegacyActive?(deadline: number): Promise<{ moved: number; done: boolean }>;
  /**
   * Applies `update` when the stored status is one of `ifStatus` (any when absent); returns the
   * updated breach, or undefined when the condition failed or the breach does not exist.
   */
  update(
    tenantId: string,
    breachId: string,
    update: BreachUpdate,
    ifStatus?: readonly BreachStatus[],
  ): Promise<Breach | undefined>;
  /**
   * Claims channel `index` of `list` for one sender: sets it `sending` with `token` until
   * `until`, on condition that it is still `channel` and `pending`, a retryable `failed` whose
   * `retryAt` has come, or a `sending` whose claim expired. False when another sender has it or
   * it is final: then this sender must not send.
   */
  claimChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    index: number,
    claim: { channel: NotificationResult['channel']; token: string; now: string; until: string },
  ): Promise<boolean>;
  /** Records the outcome of a claimed channel if the claim is still `token`'s; answers the breach. */
  recordChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    index: number,
    token: string,
    result: NotificationResult,
  ): Promise<Breach | undefined>;
  /** Appends a channel to `list` when the list still has `length` entries; false otherwise. */
  appendChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    length: number,
    entry: NotificationResult,
  ): Promise<boolean>;
  /**
   * Makes a channel that failed for good (`failed` without `retryAt`) due for one more round at
   * `at`, and the breach's delivery `pending` again (an operator's replay of a dead letter). False
   * when the channel is not `channel`, not failed for good, or the breach is gone.
   */
  reopenChannel(
    tenantId: string,
    breachId: string,
    list: NoticeList,
    index: number,
    channel: NotificationResult['channel'],
    at: string,
  ): Promise<boolean>;
  /** Forgets that an open breach was escalated, so the sweep escalates it again; false otherwise. */
  reopenEscalation(tenantId: string, breachId: string): Promise<boolean>;
  /**
   * Claims the escalation of an open breach for one sender until `until`, on condition that it is
   * not escalated yet and no other sender's claim holds at `now`. False when another sender has it
   * or it is done: then this sender must not send.
   */
  claimEscalation(
    tenantId: string,
    breachId: string,
    claim: { token: string; now: string; until: string },
  ): Promise<boolean>;
  readonly shards: number;
}

/** Id of the breach of one threshold, period and level: the same inputs always give the same id. */
export function breachIdOf(thresholdId: string, periodKey: string, level: BreachLevel): string {
  return `${thresholdId}.${periodKey}.${level}`;
}
