import type {
  ControlAction,
  ControlLevel,
  ControlRule,
  NanoUsd,
  Period,
  PeriodKind,
  TokenBucket,
} from '@cost-management/core';

/** A user's cost-control configuration (what `POST /auto-control/init` sets). */
export interface ControlSettings {
  userId: string;
  enabled: boolean;
  budgetNano: NanoUsd;
  /** UTC calendar period the budget applies to. */
  period: PeriodKind;
  rules: ControlRule[];
  /** Canonical model id → canonical cheaper model id. */
  downgradeMap: Record<string, string>;
  maxRequestsPerMinute: number;
  hardLimit: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An applied action that is in force. */
export interface ActiveAction {
  actionId: string;
  action: ControlAction;
  appliedAt: string;
  reason: string;
}

/** Cost held for a `/check` under a hard budget until its usage is tracked or it expires. */
export interface Reservation {
  nano: NanoUsd;
  expiresAtMs: number;
  /** The period whose headroom it holds. */
  periodKey: string;
}

export type ReserveOutcome = 'reserved' | 'exists' | 'refused';

/** Live state, kept on the same item as the settings so that `/check` reads one item. */
export interface ControlState {
  level: ControlLevel;
  /** UTC period key the state belongs to (`2026-11`, `2026-W48`, `2026-11-23`). */
  periodKey: string;
  /** Applied, not reversed actions of this period, by action. */
  active: Partial<Record<ControlAction, ActiveAction>>;
  /** Actions reversed in this period: not applied again in it. */
  reversed: ControlAction[];
  /** Hard budget: the sum of the open reservations (kept as items of their own, sk `R#<requestId>`). */
  reservedNano: NanoUsd;
  /** Hard budget: budget − spend accounted − reserved, in nano-USD. May go negative. */
  headroomNano: NanoUsd;
  /** Hard budget: the period spend already deducted from the headroom. */
  seenNano: NanoUsd;
  bucket: TokenBucket | null;
  /** Increments on every level transition (apply, reverse, reset, init): optimistic concurrency. */
  version: number;
}

export interface ControlItem extends ControlSettings {
  state: ControlState;
}

export type ControlActionType = 'apply' | 'reverse' | 'reset';

export interface LevelSnapshot {
  level: ControlLevel;
  activeActions: ControlAction[];
}

/** One audit entry: who did what, why and when, with the state before and after. */
export interface ControlActionRecord {
  actionId: string;
  userId: string;
  type: ControlActionType;
  action: ControlAction | null;
  at: string;
  actor: string;
  reason: string;
  periodKey: string;
  spendNano: NanoUsd;
  budgetNano: NanoUsd;
  before: LevelSnapshot;
  after: LevelSnapshot;
  reversedAt: string | null;
  reversedBy: string | null;
  reversesActionId: string | null;
}

/** A state transition written atomically with its audit entries. */
export interface Transition {
  userId: string;
  /** The state version read; the write fails (returns false) when it changed meanwhile. */
  expectedVersion: number;
  next: Pick<ControlState, 'level' | 'periodKey' | 'active' | 'reversed'> &
    Partial<Pick<ControlState, 'reservedNano' | 'headroomNano' | 'seenNano' | 'bucket'>>;
  records: ControlActionRecord[];
  /** Marks an applied action reversed, on condition that it is not already. */
  markReversed?: { actionId: string; reversedAt: string; reversedBy: string };
}

export type TransitionOutcome = 'written' | 'state-changed' | 'already-reversed';

/**
 * Port for cost-control data: the config-and-state item per user (auto_control_config) and the
 * audit trail (control_actions). Every method is scoped to one tenant.
 */
/** Shards of the sparse index of enabled configurations that a sweep pages through. */
export const CONTROL_SWEEP_SHARDS = 4;

/** Port: a user's audit history of control actions, newest first. */
export interface ActionHistoryReader {
  listActions(
    tenantId: string,
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ records: ControlActionRecord[]; nextCursor?: string }>;
}

export interface ControlStore {
  get(tenantId: string, userId: string): Promise<ControlItem | undefined>;
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
  getAction(tenantId: string, actionId: string): Promise<ControlActionRecord | undefined>;
  /** Enabled configurations of every tenant, for a sweep (`cursor` pages). */
  listEnabled(
    shard: number,
    cursor?: string,
  ): Promise<{ items: { tenantId: string; userId: string }[]; cursor?: string }>;
}

/** Port: a user's spend in one (UTC calendar) period, from the usage context's aggregates. */
export interface PeriodSpendReader {
  periodSpend(tenantId: string, userId: string, period: Period): Promise<NanoUsd>;
}
