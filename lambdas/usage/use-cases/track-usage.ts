import { TrackUsageRequest } from '@cost-management/contract';
import { type ErrorDetail, type Period, priceUsage, toUsd, ValidationError } from '@cost-management/core';
import type { z } from 'zod/mini';
import { canonicalJson, sha256Hex } from '../../platform/canonical-json.js';
import { toErrorResponse } from '../../platform/error-map.js';
import { IdempotencyConflictError } from '../../platform/errors.js';
import {
  type CommitOutcome,
  PartialCommitError,
  type PreparedUsage,
  type UsageRecord,
  type UsageStore,
} from '../ports/usage-store.js';

/** How far ahead of the server clock a usage timestamp may lie (clock skew). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
/** How far back a usage timestamp may lie (late reports, backfills). */
export const MAX_AGE_MS = 400 * 24 * 3600 * 1000;

export interface TrackUsageResult {
  requestId: string;
  userId: string;
  modelId: string;
  timestamp: string;
  costUsd: number;
  breakdown: { inputUsd: number; outputUsd: number; cacheReadUsd: number; cacheWriteUsd: number };
  priceVersion: string;
  duplicate: boolean;
}

export type BatchItemResult =
  | ({ status: 200 | 201 } & TrackUsageResult)
  | {
      requestId: string | null;
      status: number;
      error: { code: string; message: string; details?: ErrorDetail[] };
    };

/**
 * Work that follows a successful write on the ingest path (threshold detection, cost control).
 * A reactor sees only newly recorded events, never replays. It must not throw for a problem of
 * its own: the events are already recorded and acknowledged; it records its failures itself.
 */
export type IngestReactor = (tenantId: string, recorded: UsageRecord[], now: Date) => Promise<void>;

export interface TrackUsageDeps {
  store: UsageStore;
  /** Further periods whose totals an event must add to (e.g. periods in a user's time zone). */
  extraAggregates?: (tenantId: string, record: UsageRecord) => Promise<Period[]>;
  /** Run, in order, after the events are written. */
  reactors?: IngestReactor[];
}

type ParsedEvent = z.output<typeof TrackUsageRequest>;

export function toResult(record: UsageRecord, duplicate: boolean): TrackUsageResult {
  return {
    requestId: record.requestId,
    userId: record.userId,
    modelId: record.modelId,
    timestamp: record.timestamp,
    costUsd: toUsd(record.costNano),
    breakdown: {
      inputUsd: toUsd(record.breakdown.inputNano),
      outputUsd: toUsd(record.breakdown.outputNano),
      cacheReadUsd: toUsd(record.breakdown.cacheReadNano),
      cacheWriteUsd: toUsd(record.breakdown.cacheWriteNano),
    },
    priceVersion: record.priceVersion,
    duplicate,
  };
}

function checkTimestamp(timestamp: string | undefined, now: Date): string {
  if (timestamp === undefined) return now.toISOString();
  const at = new Date(timestamp);
  const delta = at.getTime() - now.getTime();
  if (delta > MAX_FUTURE_SKEW_MS) {
    throw new ValidationError('timestamp lies in the future.', [
      { path: 'timestamp', message: 'must not be more than 5 minutes ahead of the server clock' },
    ]);
  }
  if (-delta > MAX_AGE_MS) {
    throw new ValidationError('timestamp is too old.', [
      { path: 'timestamp', message: 'must not be more than 400 days in the past' },
    ]);
  }
  return at.toISOString();
}

/**
 * The idempotency hash of a request body: its fields as parsed (defaults filled), with the
 * timestamp normalised, so the same instant written as `…Z`, `….000Z` or `+02:00` is the same
 * body. A missing timestamp stays missing: a replay without one matches the first call.
 */
function bodyHashOf(parsed: ParsedEvent): string {
  const timestamp = parsed.timestamp === undefined ? undefined : new Date(parsed.timestamp).toISOString();
  return sha256Hex(canonicalJson({ ...parsed, timestamp }));
}

/** Validates and prices one event; throws a mapped error for a bad one. */
export function prepareEvent(raw: unknown, now: Date): { parsed: ParsedEvent; prepared: PreparedUsage } {
  const parsed = TrackUsageRequest.parse(raw);
  const timestamp = checkTimestamp(parsed.timestamp, now);
  const priced = priceUsage({
    modelId: parsed.modelId,
    at: timestamp,
    usage: {
      inputTokens: parsed.inputTokens,
      outputTokens: parsed.outputTokens,
      cacheReadInputTokens: parsed.cacheReadInputTokens,
      cacheWriteInputTokens: parsed.cacheWriteInputTokens,
    },
  });
  const record: UsageRecord = {
    requestId: parsed.requestId,
    userId: parsed.userId,
    modelId: priced.modelId,
    requestedModelId: parsed.modelId,
    timestamp,
    inputTokens: parsed.inputTokens,
    outputTokens: parsed.outputTokens,
    cacheReadInputTokens: parsed.cacheReadInputTokens,
    cacheWriteInputTokens: parsed.cacheWriteInputTokens,
    costNano: priced.costNano,
    breakdown: priced.breakdown,
    priceVersion: priced.priceVersion,
    ...(parsed.operation !== undefined ? { operation: parsed.operation } : {}),
    ...(parsed.tags !== undefined ? { tags: parsed.tags } : {}),
    ...(parsed.latencyMs !== undefined ? { latencyMs: parsed.latencyMs } : {}),
  };
  return {
    parsed,
    prepared: { record, bodyHash: bodyHashOf(parsed), periods: [] },
  };
}

function requestIdOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { requestId?: unknown }).requestId : undefined;
  return typeof id === 'string' ? id : null;
}

/** A 4xx answer for one event; anything that is not the caller's fault propagates. */
function errorItem(requestId: string | null, error: unknown): BatchItemResult {
  const mapped = toErrorResponse(error);
  if (mapped.status >= 500) throw error;
  return {
    requestId,
    status: mapped.status,
    error: {
      code: mapped.code,
      message: mapped.message,
      ...(mapped.details.length > 0 ? { details: mapped.details } : {}),
    },
  };
}

/** A requestId recorded before: the first result again, or 409 when the body differs. */
function answerReplay(
  prepared: PreparedUsage,
  first: { bodyHash: string; record: UsageRecord },
): BatchItemResult {
  return first.bodyHash === prepared.bodyHash
    ? { status: 200, ...toResult(first.record, true) }
    : errorItem(prepared.record.requestId, new IdempotencyConflictError(prepared.record.requestId));
}

/**
 * Records a batch of usage events exactly once each. Bad events are answered with their 4xx
 * and written nowhere; good ones are written together. A requestId seen before is answered
 * with its first result (`duplicate: true`) when the body matches, 409 otherwise. A store
 * failure fails the whole call (nothing acknowledged, the caller retries safely).
 */
export async function trackUsageBatch(
  deps: TrackUsageDeps,
  tenantId: string,
  rawEvents: unknown[],
  now: Date,
): Promise<BatchItemResult[]> {
  const results: (BatchItemResult | undefined)[] = new Array(rawEvents.length);
  const toCommit: { index: number; prepared: PreparedUsage }[] = [];
  const firstByRequestId = new Map<string, PreparedUsage>();
  const repeats: { index: number; prepared: PreparedUsage }[] = [];

  rawEvents.forEach((raw, index) => {
    try {
      const { prepared } = prepareEvent(raw, now);
      if (firstByRequestId.has(prepared.record.requestId)) repeats.push({ index, prepared });
      else {
        firstByRequestId.set(prepared.record.requestId, prepared);
        toCommit.push({ index, prepared });
      }
    } catch (error) {
      results[index] = errorItem(requestIdOf(raw), error);
    }
  });

  const { extraAggregates } = deps;
  if (extraAggregates) {
    // In parallel: a batch of many users needs one threshold lookup per user, not one after another.
    await Promise.all(
      toCommit.map(async ({ prepared }) => {
        prepared.periods.push(...(await extraAggregates(tenantId, prepared.record)));
      }),
    );
  }

  let outcomes: CommitOutcome[] = [];
  try {
    if (toCommit.length > 0) {
      outcomes = await deps.store.commit(
        tenantId,
        toCommit.map((c) => c.prepared),
      );
    }
  } catch (error) {
    if (!(error instanceof PartialCommitError)) throw error;
    // The call fails (the caller retries; recorded events then answer as duplicates and are not
    // reacted to again), but the events already recorded get their threshold and control checks now.
    const recorded = toCommit
      .filter((_, i) => error.outcomes[i]?.status === 'recorded')
      .map((c) => c.prepared.record);
    await react(deps, tenantId, recorded, now);
    throw error.failure;
  }
  const effective = new Map<string, { bodyHash: string; record: UsageRecord }>();
  toCommit.forEach(({ index, prepared }, i) => {
    const outcome = outcomes[i];
    if (!outcome || outcome.status === 'recorded') {
      results[index] = { status: 201, ...toResult(prepared.record, false) };
      effective.set(prepared.record.requestId, prepared);
    } else {
      effective.set(prepared.record.requestId, outcome.marker);
      results[index] = answerReplay(prepared, outcome.marker);
    }
  });
  for (const { index, prepared } of repeats) {
    const first = effective.get(prepared.record.requestId);
    if (first) results[index] = answerReplay(prepared, first);
  }
  const recorded = toCommit
    .filter((_, i) => !outcomes[i] || outcomes[i]?.status === 'recorded')
    .map((c) => c.prepared.record);
  await react(deps, tenantId, recorded, now);
  return results as BatchItemResult[];
}

async function react(deps: TrackUsageDeps, tenantId: string, recorded: UsageRecord[], now: Date) {
  if (recorded.length === 0) return;
  for (const reactor of deps.reactors ?? []) await reactor(tenantId, recorded, now);
}
