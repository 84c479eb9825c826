import type {
  ControlActionRecord,
  ControlItem,
  NanoUsd,
  TokenBucket,
  TransitionFields,
} from '@cost-management/core';
import type { AuditWrite } from '../../privacy/ports/audit-log.js';

/** Cost held for a `/check` under a hard budget until its usage is tracked or it expires. */
export interface Reservation {
  nano: NanoUsd;
  expiresAtMs: number;
  /** The period whose headroom it holds. */
  periodKey: string;
}

export type ReserveOutcome = 'reserved' | 'exists' | 'refused';

/** A state transition written atomically with its audit entries. */
export interface Transition {
  userId: string;
  /** The state version read; the write fails (returns false) when it changed meanwhile. */
  expectedVersion: number;
  next: TransitionFields;
  records: ControlActionRecord[];
  /** Marks an applied action reversed, on condition that it is not already. */
  markReversed?: { actionId: string; reversedAt: string; reversedBy: string };
  /** The audit entry of a caller's change (a reverse), written in the same transaction. */
  audit?: AuditWrite;
}

export type TransitionOutcome = 'written' | 'state-changed' | 'already-reversed';

/** Shards of the sparse index of enabled configurations that a sweep pages through. */
export const CONTROL_SWEEP_SHARDS = 4;

/**
 * Port for the config-and-state item per user (auto_control_config), its hard-budget reservations
 * and token bucket. Writes that change the level carry their audit entries in the same
 * transaction. Every method but `listEnabled` is scoped to one tenant.
 */
export interface ControlConfigStore {
  get(tenantId: string, userId: string): Promise<ControlItem | undefined>;
  /** The items of the given users of a tenant that have one (eventually consistent, any order). */
  getMany(tenantId: string, userIds: readonly string[]): Promise<ControlItem[]>;
  /**
   * Creates the item (`expected` null: on condition that none exists) or replaces it (on condition
   * that its state still has the version and reserved sum read), with its audit entries in the same
   * transaction; `changed` when the condition failed or a concurrent write won.
   */
  put(
    tenantId: string,
    item: ControlItem,
    expected: { version: number; reservedNano: NanoUsd } | null,
    records?: ControlActionRecord[],
    /** The audit entry of the caller's change, written in the same transaction. */
    audit?: AuditWrite,
  ): Promise<'created' | 'replaced' | 'changed'>;
  /** Writes a transition and its audit entries in one transaction. */
  transition(tenantId: string, transition: Transition): Promise<TransitionOutcome>;
  /** Deducts newly seen spend from the headroom once: conditioned on `seenNano` still being `from`. */
  accountSpend(
    tenantId: string,
    userId: string,
    periodKey: string,
    from: NanoUsd,
    to: NanoUsd,
  ): Promise<boolean>;
  /**
   * Reserves `reservation.nano` under `requestId` when the headroom of `reservation.periodKey` allows
   * it; `exists` when the requestId holds a reservation already.
   */
  reserve(
    tenantId: string,
    userId: string,
    requestId: string,
    reservation: Reservation,
  ): Promise<ReserveOutcome>;
  /** Releases a reservation (settled or expired); false when there was none. */
  release(tenantId: string, userId: string, requestId: string): Promise<boolean>;
  /** RequestIds of a user's reservations that expired by `nowMs`. */
  expiredReservations(tenantId: string, userId: string, nowMs: number): Promise<string[]>;
  /** Stores a token bucket on condition that the stored one is still `expected`. */
  saveBucket(
    tenantId: string,
    userId: string,
    expected: TokenBucket | null,
    next: TokenBucket,
  ): Promise<boolean>;
  /** Enabled configurations of every tenant, for a sweep (`cursor` pages). */
  listEnabled(
    shard: number,
    cursor?: string,
  ): Promise<{ items: { tenantId: string; userId: string }[]; cursor?: string }>;
}
