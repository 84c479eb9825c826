import { randomUUID } from 'node:crypto';
import type { CheckRequest } from '@cost-management/contract';
import {
  type CheckResult,
  type ControlItem,
  type ControlLevel,
  decideCheck,
  effectiveLimits,
  type NanoUsd,
  priceUsage,
  resolveModel,
  type TokenBucket,
  type TokenResult,
  takeToken,
  toUsd,
  tryResolveModel,
} from '@cost-management/core';
import type { z } from 'zod/mini';
import { type ControlSnapshot, cacheControl, cachedControl } from '../control-cache.js';
import { type RefreshDeps, refreshControl } from './refresh-control.js';

/** How long a hard-budget reservation holds its estimate when no usage with its requestId arrives. */
export const RESERVATION_TTL_MS = 5 * 60_000;
const MAX_BUCKET_ATTEMPTS = 5;

type CheckBody = z.output<typeof CheckRequest>;

/** What a caller may do now, for the request it named (or the id given to it). */
export interface CheckAnswer extends CheckResult {
  level: ControlLevel;
  requestId: string;
  /** Under a hard budget: the estimate held until the usage of `requestId` is tracked. */
  reservedNano?: NanoUsd;
}

/** The state to decide on: this instance's copy when younger than the cache time, else a fresh read. */
async function loadSnapshot(
  deps: RefreshDeps,
  tenantId: string,
  userId: string,
  now: Date,
): Promise<ControlSnapshot | undefined> {
  const cached = cachedControl(tenantId, userId, now.getTime());
  const periodEnded = cached?.snapshot && now.getTime() >= Date.parse(cached.snapshot.period.end);
  if (cached && !periodEnded) return cached.snapshot;
  const fresh = await refreshControl(deps, tenantId, userId, now);
  const snapshot = fresh ? { item: fresh.item, spendNano: fresh.spendNano, period: fresh.period } : undefined;
  cacheControl(tenantId, userId, snapshot, now.getTime());
  return snapshot;
}

/**
 * Takes a token from the user's bucket, stored on the control item with a conditional write so
 * that every instance shares one rate. A refusal writes nothing.
 */
async function takeSharedToken(
  deps: RefreshDeps,
  tenantId: string,
  item: ControlItem,
  nowMs: number,
  perMinute: number,
): Promise<TokenResult> {
  let known: TokenBucket | null = item.state.bucket ?? null;
  for (let attempt = 0; attempt < MAX_BUCKET_ATTEMPTS; attempt++) {
    const result = takeToken(known, nowMs, perMinute);
    if (!result.allowed) return result;
    if (await deps.store.saveBucket(tenantId, item.userId, known, result.bucket)) {
      item.state.bucket = result.bucket;
      return result;
    }
    known = (await deps.store.get(tenantId, item.userId))?.state.bucket ?? null;
  }
  return { allowed: false, bucket: known ?? { tokens: 0, updatedAtMs: nowMs }, retryAfterMs: 1000 };
}

/**
 * Holds the estimated cost of the call under a hard budget: one conditional update admits it only
 * while `budget − spend − reserved ≥ estimate` (kept as an integer headroom on the state item), so
 * concurrent checks can never admit more than the budget. A repeated requestId keeps its one
 * reservation. When the estimate does not fit, expired reservations are released and it is tried once more.
 */
async function reserve(
  deps: RefreshDeps,
  tenantId: string,
  item: ControlItem,
  requestId: string,
  nano: number,
  now: Date,
): Promise<boolean> {
  const reservation = {
    nano,
    expiresAtMs: now.getTime() + RESERVATION_TTL_MS,
    periodKey: item.state.periodKey,
  };
  const first = await deps.store.reserve(tenantId, item.userId, requestId, reservation);
  if (first !== 'refused') return true;
  const expired = await deps.store.expiredReservations(tenantId, item.userId, now.getTime());
  let released = 0;
  for (const id of expired) if (await deps.store.release(tenantId, item.userId, id)) released++;
  return (
    released > 0 && (await deps.store.reserve(tenantId, item.userId, requestId, reservation)) !== 'refused'
  );
}

/**
 * The id to call for `target`, in the form the caller asked with: the cross-region inference
 * profile prefix (`us.`, `global.` …) or ARN head of `asked` is kept, since newer models cannot be
 * invoked by their bare id and a profile is priced at its own scope. The bare id when `asked` has
 * no such form (an alias) or the target is not reachable that way.
 */
export function inCallersForm(asked: string, canonical: string, target: string): string {
  if (asked === canonical || !asked.endsWith(canonical)) return target;
  const candidate = `${asked.slice(0, -canonical.length)}${target}`;
  return tryResolveModel(candidate)?.model.modelId === target ? candidate : target;
}

/**
 * `POST /check`: what a product backend may do before calling a model. Reads the user's control
 * state once (cached per instance for up to 2 s), applies the rate limit from `light` on, moves
 * requests to cheaper models from `moderate` on, and under a hard budget reserves the estimate.
 * A throttle is an answer (200, `decision: throttle`, `retryAfterMs`), not an error.
 */
export async function checkRequest(
  deps: RefreshDeps,
  tenantId: string,
  body: CheckBody,
  now: Date,
): Promise<CheckAnswer> {
  const modelId = resolveModel(body.modelId).model.modelId;
  const requestId = body.requestId ?? randomUUID();
  const snapshot = await loadSnapshot(deps, tenantId, body.userId, now);
  if (!snapshot?.item.enabled) {
    return {
      decision: 'allow',
      modelId: inCallersForm(body.modelId, modelId, modelId),
      level: 'normal',
      retryAfterMs: 0,
      reason: snapshot
        ? 'Cost control is disabled for this user.'
        : 'No cost control is configured for this user.',
      requestId,
    };
  }
  const { item, period } = snapshot;
  const level = item.state.level;
  const limits = effectiveLimits(level, item);
  const rate = limits.maxRequestsPerMinute;
  const bucket =
    !limits.blocked && !limits.cacheOnly && rate !== null && rate > 0
      ? await takeSharedToken(deps, tenantId, item, now.getTime(), rate)
      : undefined;
  const periodResetInMs = Date.parse(period.end) - now.getTime();
  const result = decideCheck({ level, limits, modelId, ...(bucket ? { bucket } : {}), periodResetInMs });
  const toCall = inCallersForm(body.modelId, modelId, result.modelId);
  const answer: CheckAnswer = { ...result, modelId: toCall, level, requestId };
  if (!item.hardLimit || (result.decision !== 'allow' && result.decision !== 'downgrade')) return answer;

  const estimate = priceUsage({
    modelId: toCall,
    at: now.toISOString(),
    usage: { inputTokens: body.estimatedInputTokens, outputTokens: body.estimatedOutputTokens },
  }).costNano;
  if (await reserve(deps, tenantId, item, requestId, estimate, now)) {
    return { ...answer, reservedNano: estimate };
  }
  // The headroom lives on the stored item and the refusal changed nothing: the cached state stays
  // valid, so refused checks under a spent budget do not re-read it.
  return {
    decision: 'deny',
    modelId: toCall,
    level,
    retryAfterMs: Math.max(0, Math.min(RESERVATION_TTL_MS, periodResetInMs)),
    reason: `Hard budget: the estimated cost ${toUsd(estimate)} USD does not fit in what is left of the ${item.period} budget ${toUsd(item.budgetNano)} USD (spend and open reservations).`,
    requestId,
  };
}
