import { TrackUsageRequest } from '@cost-management/contract';
import {
  type Catalog,
  DEFAULT_CATALOG,
  expiresAtSeconds,
  type Period,
  type PricedUsage,
  parseBedrockModelId,
  priceUsage,
  redactFields,
  tryResolveModel,
  UnknownModelError,
  ValidationError,
} from '@cost-management/core';
import type { z } from 'zod/mini';
import { canonicalJson, sha256Hex } from '../../platform/canonical-json.js';
import type { RetentionPolicy } from '../../privacy/ports/settings-store.js';
import type { IngestReactor } from '../ports/ingest-reactor.js';
import {
  type CommitOutcome,
  MAX_FUTURE_SKEW_MS,
  PartialCommitError,
  type PreparedUsage,
  type UsageRecord,
  type UsageStore,
} from '../ports/usage-store.js';

export { MAX_FUTURE_SKEW_MS };
/** How far back a usage timestamp may lie (late reports, backfills). */
export const MAX_AGE_MS = 400 * 24 * 3600 * 1000;
const MS_PER_DAY = 24 * 3600 * 1000;

/** The free-text fields of a usage event: redacted before anything is stored, hashed or logged. */
export const TRACK_USAGE_FREE_TEXT = ['operation', 'tags.*'] as const;

/**
 * What became of one event of a call, in input order:
 * - `recorded`: written now (the record, priced);
 * - `duplicate`: its requestId was recorded before with the same body (the first recording);
 * - `conflict`: its requestId was recorded before with another body;
 * - `rejected`: invalid (the error says why); nothing was written for it.
 * `redacted` names the free-text fields of the event whose personal data was replaced.
 */
export type TrackOutcome =
  | { kind: 'recorded'; record: UsageRecord; redacted: string[] }
  | { kind: 'duplicate'; record: UsageRecord; redacted: string[] }
  | { kind: 'conflict'; requestId: string }
  | { kind: 'rejected'; requestId: string | null; error: unknown };

export type { IngestReactor };

export interface TrackUsageDeps {
  store: UsageStore;
  /** Further periods whose totals an event must add to (e.g. periods in a user's time zone). */
  extraAggregates?: (tenantId: string, record: UsageRecord) => Promise<Period[]>;
  /** Run, in order, after the events are written. */
  reactors?: IngestReactor[];
  /** The tenant's effective catalog (the built-in one when absent). */
  catalogOf?: (tenantId: string) => Promise<Catalog>;
  /** The tenant's retention (privacy context): each record expires `usageDays` after its timestamp. */
  retention?: RetentionPolicy;
}

type ParsedEvent = z.output<typeof TrackUsageRequest>;

/**
 * The timestamp of an event, checked against the clock. An event older than the tenant's usage
 * retention is refused: its record would be expired on arrival, and a replay of its requestId after
 * the record is gone could not be recognised. With the same rule every replay of a recorded event
 * (same body, so the same timestamp) is either answered from its record or, once the record has
 * expired, refused as too old: never counted a second time.
 */
function checkTimestamp(timestamp: string | undefined, now: Date, usageDays?: number): string {
  if (timestamp === undefined) return now.toISOString();
  const at = new Date(timestamp);
  const delta = at.getTime() - now.getTime();
  if (delta > MAX_FUTURE_SKEW_MS) {
    throw new ValidationError('timestamp lies in the future.', [
      { path: 'timestamp', message: 'must not be more than 5 minutes ahead of the server clock' },
    ]);
  }
  if (usageDays !== undefined && usageDays * MS_PER_DAY < MAX_AGE_MS && -delta >= usageDays * MS_PER_DAY) {
    throw new ValidationError('timestamp is older than the usage retention.', [
      {
        path: 'timestamp',
        message: `must be less than ${usageDays} days in the past (the tenant's usage retention)`,
      },
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
 * The idempotency hash of a request body: its fields as parsed (defaults filled) and redacted,
 * with the timestamp normalised, so the same instant written as `…Z`, `….000Z` or `+02:00` is
 * the same body. A missing timestamp stays missing: a replay without one matches the first call.
 * Hashing the redacted body keeps even a hash of personal data out of the table: a retry with the
 * same body hashes the same, and two bodies that differ only inside redacted text are stored alike
 * and so answer alike.
 */
function bodyHashOf(parsed: ParsedEvent): string {
  const timestamp = parsed.timestamp === undefined ? undefined : new Date(parsed.timestamp).toISOString();
  return sha256Hex(canonicalJson({ ...parsed, timestamp }));
}

const ZERO_BREAKDOWN = { inputNano: 0, outputNano: 0, cacheReadNano: 0, cacheWriteNano: 0 };

/**
 * Prices a call, or answers the canonical id of a well-formed model id that has no price (at
 * that instant) in `catalog`: such usage is recorded unpriced. A malformed id is a 400.
 */
export function priceOrUnpriced(
  input: { modelId: string; at: string; usage: Parameters<typeof priceUsage>[0]['usage'] },
  catalog: Catalog,
): PricedUsage | { unpricedModelId: string } {
  try {
    return priceUsage(input, catalog);
  } catch (error) {
    if (!(error instanceof UnknownModelError)) throw error;
    const known = tryResolveModel(input.modelId, catalog);
    if (known) return { unpricedModelId: known.model.modelId };
    const parsed = parseBedrockModelId(input.modelId);
    if (parsed) return { unpricedModelId: parsed.canonicalId };
    throw new ValidationError(`'${input.modelId}' is not a Bedrock model id`, [
      { path: 'modelId', message: 'must be a Bedrock model id, inference profile id or ARN' },
    ]);
  }
}

/**
 * Validates, redacts and prices one event; throws a mapped error for a bad one. Only the redacted
 * event goes on: into the record, the aggregates' operation lines and the idempotency hash.
 */
export function prepareEvent(
  raw: unknown,
  now: Date,
  catalog: Catalog = DEFAULT_CATALOG,
  usageDays?: number,
): { parsed: ParsedEvent; prepared: PreparedUsage; redacted: string[] } {
  const { value: parsed, redacted } = redactFields(TrackUsageRequest.parse(raw), TRACK_USAGE_FREE_TEXT);
  const timestamp = checkTimestamp(parsed.timestamp, now, usageDays);
  const outcome = priceOrUnpriced(
    {
      modelId: parsed.modelId,
      at: timestamp,
      usage: {
        inputTokens: parsed.inputTokens,
        outputTokens: parsed.outputTokens,
        cacheReadInputTokens: parsed.cacheReadInputTokens,
        cacheWriteInputTokens: parsed.cacheWriteInputTokens,
      },
    },
    catalog,
  );
  const priced =
    'unpricedModelId' in outcome
      ? { modelId: outcome.unpricedModelId, costNano: 0, breakdown: ZERO_BREAKDOWN, priceVersion: '' }
      : outcome;
  const record: UsageRecord = {
    requestId: parsed.requestId,
    userId: parsed.userId,
    modelId: priced.modelId,
    requestedModelId: parsed.modelId,
    timestamp,
    recordedAt: now.toISOString(),
    inputTokens: parsed.inputTokens,
    outputTokens: parsed.outputTokens,
    cacheReadInputTokens: parsed.cacheReadInputTokens,
    cacheWriteInputTokens: parsed.cacheWriteInputTokens,
    costNano: priced.costNano,
    breakdown: priced.breakdown,
    priceVersion: priced.priceVersion,
    ...('unpricedModelId' in outcome ? { priced: false } : {}),
    ...(parsed.operation !== undefined ? { operation: parsed.operation } : {}),
    ...(parsed.tags !== undefined ? { tags: parsed.tags } : {}),
    ...(parsed.latencyMs !== undefined ? { latencyMs: parsed.latencyMs } : {}),
    ...(usageDays !== undefined ? { expiresAt: expiresAtSeconds(timestamp, usageDays) } : {}),
  };
  return {
    parsed,
    prepared: {
      record,
      bodyHash: bodyHashOf(parsed),
      periods: [],
      ...(usageDays !== undefined ? { usageDays } : {}),
    },
    redacted,
  };
}

function requestIdOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { requestId?: unknown }).requestId : undefined;
  return typeof id === 'string' ? id : null;
}

/** A requestId recorded before: the first recording again, or a conflict when the body differs. */
function replayOutcome(
  { prepared, redacted }: Prepared,
  first: { bodyHash: string; record: UsageRecord },
): TrackOutcome {
  return first.bodyHash === prepared.bodyHash
    ? { kind: 'duplicate', record: first.record, redacted }
    : { kind: 'conflict', requestId: prepared.record.requestId };
}

interface Prepared {
  index: number;
  prepared: PreparedUsage;
  redacted: string[];
}

/**
 * Records a batch of usage events exactly once each. Bad events are rejected and written
 * nowhere; good ones are written together. A requestId seen before is answered with its first
 * recording when the body matches, as a conflict otherwise. A store failure fails the whole call
 * (nothing acknowledged, the caller retries safely).
 */
export async function trackUsageBatch(
  deps: TrackUsageDeps,
  tenantId: string,
  rawEvents: unknown[],
  now: Date,
): Promise<TrackOutcome[]> {
  const results: (TrackOutcome | undefined)[] = new Array(rawEvents.length);
  const toCommit: Prepared[] = [];
  const firstByRequestId = new Map<string, PreparedUsage>();
  const repeats: Prepared[] = [];
  const [catalog, retention] = await Promise.all([
    deps.catalogOf ? deps.catalogOf(tenantId) : DEFAULT_CATALOG,
    deps.retention?.retentionOf(tenantId),
  ]);

  rawEvents.forEach((raw, index) => {
    try {
      const { prepared, redacted } = prepareEvent(raw, now, catalog, retention?.usageDays);
      if (firstByRequestId.has(prepared.record.requestId)) repeats.push({ index, prepared, redacted });
      else {
        firstByRequestId.set(prepared.record.requestId, prepared);
        toCommit.push({ index, prepared, redacted });
      }
    } catch (error) {
      results[index] = { kind: 'rejected', requestId: requestIdOf(raw), error };
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
  toCommit.forEach((item, i) => {
    const { index, prepared, redacted } = item;
    const outcome = outcomes[i];
    if (!outcome || outcome.status === 'recorded') {
      results[index] = { kind: 'recorded', record: prepared.record, redacted };
      effective.set(prepared.record.requestId, prepared);
    } else {
      effective.set(prepared.record.requestId, outcome.marker);
      results[index] = replayOutcome(item, outcome.marker);
    }
  });
  for (const repeat of repeats) {
    const first = effective.get(repeat.prepared.record.requestId);
    if (first) results[repeat.index] = replayOutcome(repeat, first);
  }
  const recorded = toCommit
    .filter((_, i) => !outcomes[i] || outcomes[i]?.status === 'recorded')
    .map((c) => c.prepared.record);
  await react(deps, tenantId, recorded, now);
  return results as TrackOutcome[];
}

async function react(deps: TrackUsageDeps, tenantId: string, recorded: UsageRecord[], now: Date) {
  if (recorded.length === 0) return;
  for (const reactor of deps.reactors ?? []) await reactor(tenantId, recorded, now);
}
