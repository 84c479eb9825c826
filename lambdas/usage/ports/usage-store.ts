import type { CostBreakdown, Period, UsageCounters } from '@cost-management/core';

/** How far ahead of the server clock a usage timestamp may lie (clock skew): ingest refuses later ones. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Token and cost counters kept on every aggregate item (the core's counters). */
export type Counters = UsageCounters;

export interface UsageRecord {
  requestId: string;
  userId: string;
  /** Canonical catalog id. */
  modelId: string;
  /** The id as the caller sent it (profile id, ARN, alias). */
  requestedModelId: string;
  /** ISO-8601 UTC with milliseconds. */
  timestamp: string;
  /**
   * When the service recorded it (its clock, ISO-8601): a zone period total that a threshold starts
   * feeding holds the records written before the threshold's `backfillBefore` by the backfill and
   * the later ones by ingest. Absent on records written before it existed (all older than any backfill).
   */
  recordedAt?: string;
  operation?: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  /** 0 while unpriced. */
  costNano: number;
  /** All zero while unpriced. */
  breakdown: CostBreakdown;
  /** Empty while unpriced. */
  priceVersion: string;
  /**
   * False for usage of a well-formed model id that had no price when recorded: it counts in the
   * token aggregates at cost 0 until a covering price version reprices it (exactly once).
   * Absent means priced.
   */
  priced?: boolean;
  tags?: Record<string, string>;
  latencyMs?: number;
  /**
   * Epoch seconds at which the record expires (DynamoDB TTL): its timestamp plus the tenant's usage
   * retention. Absent on records written before retention existed (kept until a retention job).
   */
  expiresAt?: number;
}

/** One validated, priced event ready to be written. */
export interface PreparedUsage {
  record: UsageRecord;
  /** Hash of the request body; a replay with another body is an idempotency conflict. */
  bodyHash: string;
  /**
   * Periods whose totals the event adds to beyond the ones every event keeps (UTC day with its
   * model and operation lines, UTC month): e.g. a period in the zone of a user's threshold.
   */
  periods: Period[];
  /**
   * The tenant's usage retention when recorded: the record carries its own expiry, and the per-day
   * summary of records waiting for a price expires with the last record of its day.
   */
  usageDays?: number;
}

/** The first recording of a requestId: replays are answered from it. */
export interface RecordedMarker {
  bodyHash: string;
  record: UsageRecord;
}

export type CommitOutcome = { status: 'recorded' } | { status: 'already-recorded'; marker: RecordedMarker };

/**
 * Port for writing usage. `commit` writes each event's record (conditioned on its requestId being
 * new) and its aggregate increments atomically: either all of an event's writes happen or none, and a
 * requestId that is already recorded is reported (with the first recording), never counted again.
 */
export interface UsageStore {
  commit(tenantId: string, events: PreparedUsage[]): Promise<CommitOutcome[]>;
}

/** The price found for a record recorded unpriced. */
export interface Repricing {
  costNano: number;
  breakdown: CostBreakdown;
  priceVersion: string;
}

/**
 * Port for pricing records recorded unpriced, one atomic write per record: the record (on
 * condition it is still unpriced), its cost into its aggregates (`periods`: its further periods),
 * the unpriced summary decremented. False when the record was priced meanwhile (nothing written).
 */
export interface RepricingStore {
  reprice(
    tenantId: string,
    record: UsageRecord,
    price: Repricing,
    periods: readonly Period[],
  ): Promise<boolean>;
}

/** Port: the tenant's records waiting for a price, by model. */
export interface UnpricedRecords {
  models(tenantId: string): Promise<string[]>;
  page(
    tenantId: string,
    modelId: string,
    page: { limit: number; after?: Record<string, unknown> },
  ): Promise<{ records: UsageRecord[]; after?: Record<string, unknown> }>;
}

/**
 * Port: the tenants with usage recorded without a price (or that had some), across tenants and in
 * order, a page at a time: whose usage a new service-wide price may price.
 */
export interface WaitingTenants {
  waitingTenants(page: { limit: number; after?: string }): Promise<{ tenants: string[]; after?: string }>;
  /** Drops the tenant's models with nothing left waiting from the list (a new event adds them again). */
  settleWaiting(tenantId: string): Promise<number>;
}

/**
 * A commit that failed after part of its events were written (a store that needs several
 * transactions for one group). `outcomes` is aligned with the events: undefined where nothing
 * was written. The caller must still treat the call as failed and rethrow `failure`.
 */
export class PartialCommitError extends Error {
  constructor(
    readonly failure: unknown,
    readonly outcomes: readonly (CommitOutcome | undefined)[],
  ) {
    super('the commit failed part-way');
  }
}

export function countersOf(record: UsageRecord): Counters {
  return {
    requests: 1,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    cacheReadInputTokens: record.cacheReadInputTokens,
    cacheWriteInputTokens: record.cacheWriteInputTokens,
    costNano: record.costNano,
  };
}

/** True unless the record waits for a price. */
export const isPriced = (record: Pick<UsageRecord, 'priced'>): boolean => record.priced !== false;

/**
 * The update of the counter of events a price version has priced, to write in the same
 * transaction as the events it prices (a tenant's version cannot be removed once it priced
 * something); undefined for versions that keep no counter.
 */
export type PriceUseUpdate = (
  tenantId: string,
  priceVersion: string,
  events: number,
) =>
  | {
      TableName: string;
      Key: { pk: string; sk: string };
      UpdateExpression: string;
      ExpressionAttributeValues: Record<string, number>;
    }
  | undefined;
