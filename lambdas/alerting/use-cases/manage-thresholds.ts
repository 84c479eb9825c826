import { randomUUID } from 'node:crypto';
import type { CreateThresholdRequest, UpdateThresholdRequest } from '@cost-management/contract';
import {
  type ErrorDetail,
  fromUsd,
  isValidTimezone,
  redactFields,
  THRESHOLD_DEFAULTS,
  toUsd,
  ValidationError,
  validateThresholdLevels,
} from '@cost-management/core';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import type { AuditActor, AuditLog } from '../../privacy/ports/audit-log.js';
import type { Threshold, ThresholdStore } from '../ports/alerting-store.js';
import { forgetThresholds } from './detect-breaches.js';

/** The free text of a threshold: redacted before it is stored, logged or sent in a notice. */
export const THRESHOLD_FREE_TEXT = ['name'] as const;

/** A stored threshold and the request fields whose personal data was replaced. */
export interface WrittenThreshold {
  threshold: Threshold;
  redacted: string[];
}

export interface ThresholdDeps {
  thresholds: ThresholdStore;
  /**
   * Asks for the period-to-date of a threshold in another zone than UTC that starts watching
   * (`ThresholdBackfillRequested`, handled off the request path by `completePeriodTotal`). A failure
   * is logged, not thrown: the threshold stays `pending` and the sweep asks again.
   */
  requestBackfill?: (tenantId: string, threshold: Threshold) => Promise<void>;
  /** The audit log of configuration changes (privacy context): every change is audited with its write. */
  audit?: AuditLog;
}

/** A threshold as an audit entry shows it (amounts in dollars). */
export function thresholdAuditView(t: Threshold) {
  return {
    userId: t.userId,
    name: t.name,
    type: t.type,
    period: t.period,
    limitUsd: toUsd(t.limitNano),
    warningPercent: t.warningPercent,
    emergencyPercent: t.emergencyPercent,
    changePercent: t.changePercent,
    timezone: t.timezone,
    channels: t.channels,
    enabled: t.enabled,
  };
}

const noKey = (tenantId: string): AuditActor => ({ tenant: tenantId, keyId: null });

/**
 * The period-total state of a threshold that starts watching at `at` (created, enabled, moved to
 * another zone or period): UTC ones read totals every event adds to; one in another zone is
 * `pending` until its backfill (from `at` on, ingest adds to its zone's total). A disabled one in
 * another zone waits for its enabling.
 */
function startWatching(t: Threshold, at: string): Threshold {
  const { backfillBefore: _b, periodTotalsCompletedAt: _c, ...rest } = t;
  if (t.timezone === 'UTC') return { ...rest, periodTotals: 'complete' };
  return t.enabled
    ? { ...rest, periodTotals: 'pending', backfillBefore: at }
    : { ...rest, periodTotals: 'pending' };
}

const needsBackfill = (t: Threshold) =>
  t.enabled && t.periodTotals === 'pending' && t.backfillBefore !== undefined;

async function askForBackfill(deps: ThresholdDeps, tenantId: string, t: Threshold): Promise<void> {
  if (!needsBackfill(t) || !deps.requestBackfill) return;
  try {
    await deps.requestBackfill(tenantId, t);
  } catch (error) {
    logger.warn('ThresholdBackfillRequested not published; the sweep asks again', {
      thresholdId: t.thresholdId,
      error: error as Error,
    });
  }
}

/** Checks what the schema cannot: a known time zone, a limit where one is needed, level order. */
function checkThreshold(t: Threshold): void {
  const details: ErrorDetail[] = [];
  if (!isValidTimezone(t.timezone)) {
    details.push({ path: 'timezone', message: `'${t.timezone}' is not a known IANA time zone` });
  }
  if (t.type !== 'percentage' && t.limitNano <= 0) {
    details.push({ path: 'limitUsd', message: 'is required and must be greater than 0 for this type' });
  }
  try {
    validateThresholdLevels(t);
  } catch (error) {
    if (error instanceof ValidationError) details.push(...error.details);
    else throw error;
  }
  if (details.length > 0) throw new ValidationError('The threshold is invalid.', details);
}

export async function createThreshold(
  deps: ThresholdDeps,
  tenantId: string,
  request: CreateThresholdRequest,
  now: Date,
  actor: AuditActor = noKey(tenantId),
): Promise<WrittenThreshold> {
  const { value: input, redacted } = redactFields(request, THRESHOLD_FREE_TEXT);
  const at = now.toISOString();
  const threshold: Threshold = startWatching(
    {
      thresholdId: randomUUID(),
      userId: input.userId,
      name: input.name ?? `${input.period} ${input.type} threshold`,
      type: input.type,
      period: input.period,
      limitNano: input.limitUsd === undefined ? 0 : fromUsd(input.limitUsd),
      warningPercent: input.warningPercent ?? THRESHOLD_DEFAULTS.warningPercent,
      emergencyPercent: input.emergencyPercent ?? THRESHOLD_DEFAULTS.emergencyPercent,
      changePercent: input.changePercent ?? THRESHOLD_DEFAULTS.changePercent,
      timezone: input.timezone,
      channels: [...new Set(input.channels)],
      enabled: input.enabled,
      createdAt: at,
      updatedAt: at,
    },
    at,
  );
  checkThreshold(threshold);
  const audit = await deps.audit?.prepare(
    {
      actor,
      action: 'threshold.create',
      target: threshold.thresholdId,
      before: null,
      after: thresholdAuditView(threshold),
    },
    now,
  );
  await deps.thresholds.put(tenantId, threshold, audit);
  forgetThresholds(tenantId, threshold.userId);
  await askForBackfill(deps, tenantId, threshold);
  return { threshold, redacted };
}

export function listThresholds(deps: ThresholdDeps, tenantId: string, userId: string): Promise<Threshold[]> {
  return deps.thresholds.listByUser(tenantId, userId);
}

export async function updateThreshold(
  deps: ThresholdDeps,
  tenantId: string,
  thresholdId: string,
  request: UpdateThresholdRequest,
  now: Date,
  actor: AuditActor = noKey(tenantId),
): Promise<WrittenThreshold> {
  const { value: input, redacted } = redactFields(request, THRESHOLD_FREE_TEXT);
  const current = await deps.thresholds.get(tenantId, thresholdId);
  if (!current) throw new NotFoundError(`No threshold '${thresholdId}'.`);
  const { limitUsd, channels, ...rest } = input;
  let next: Threshold = {
    ...current,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    ...(limitUsd !== undefined ? { limitNano: fromUsd(limitUsd) } : {}),
    ...(channels !== undefined ? { channels: [...new Set(channels)] } : {}),
    updatedAt: now.toISOString(),
  };
  checkThreshold(next);
  if (
    next.timezone !== current.timezone ||
    next.period !== current.period ||
    (next.enabled && !current.enabled)
  ) {
    next = startWatching(next, next.updatedAt);
  }
  const audit = await deps.audit?.prepare(
    {
      actor,
      action: 'threshold.update',
      target: thresholdId,
      before: thresholdAuditView(current),
      after: thresholdAuditView(next),
    },
    now,
  );
  await deps.thresholds.put(tenantId, next, audit);
  forgetThresholds(tenantId, next.userId);
  if (next.backfillBefore !== current.backfillBefore) await askForBackfill(deps, tenantId, next);
  return { threshold: next, redacted };
}

export async function deleteThreshold(
  deps: ThresholdDeps,
  tenantId: string,
  thresholdId: string,
  now: Date = new Date(),
  actor: AuditActor = noKey(tenantId),
) {
  if (!deps.audit) {
    const deleted = await deps.thresholds.delete(tenantId, thresholdId);
    if (!deleted) throw new NotFoundError(`No threshold '${thresholdId}'.`);
    forgetThresholds(tenantId, deleted.userId);
    return;
  }
  const current = await deps.thresholds.get(tenantId, thresholdId);
  if (!current) throw new NotFoundError(`No threshold '${thresholdId}'.`);
  const audit = await deps.audit.prepare(
    {
      actor,
      action: 'threshold.delete',
      target: thresholdId,
      before: thresholdAuditView(current),
      after: null,
    },
    now,
  );
  const deleted = await deps.thresholds.delete(tenantId, thresholdId, { current, audit });
  if (!deleted) {
    if (await deps.thresholds.get(tenantId, thresholdId)) {
      throw new ConflictError(`Threshold '${thresholdId}' changed while it was being deleted; retry.`);
    }
    throw new NotFoundError(`No threshold '${thresholdId}'.`);
  }
  forgetThresholds(tenantId, current.userId);
}
