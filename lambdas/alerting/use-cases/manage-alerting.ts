import { randomUUID } from 'node:crypto';
import type {
  AlertingConfigRequest,
  AlertingConfigResponse,
  BreachResponse,
  CreateThresholdRequest,
  ThresholdResponse,
  UpdateThresholdRequest,
} from '@cost-management/contract';
import {
  type ErrorDetail,
  fromUsd,
  isValidTimezone,
  THRESHOLD_DEFAULTS,
  toUsd,
  ValidationError,
  validateThresholdLevels,
} from '@cost-management/core';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import type {
  AlertingConfig,
  AlertingConfigStore,
  Breach,
  BreachStatus,
  BreachStore,
  Threshold,
  ThresholdStore,
} from '../ports/alerting-store.js';
import { forgetThresholds } from './detect-breaches.js';

export interface ThresholdDeps {
  thresholds: ThresholdStore;
  /** Period-to-date for a threshold in another zone than UTC (see `backfillPeriodTotal`). */
  backfill?: (tenantId: string, threshold: Threshold, now: Date) => Promise<unknown>;
}

export function thresholdResponse(t: Threshold): ThresholdResponse {
  return {
    thresholdId: t.thresholdId,
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
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
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
  input: CreateThresholdRequest,
  now: Date,
): Promise<ThresholdResponse> {
  const at = now.toISOString();
  const threshold: Threshold = {
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
  };
  checkThreshold(threshold);
  await deps.backfill?.(tenantId, threshold, now);
  await deps.thresholds.put(tenantId, threshold);
  forgetThresholds(tenantId, threshold.userId);
  return thresholdResponse(threshold);
}

export async function listThresholds(deps: ThresholdDeps, tenantId: string, userId: string) {
  const items = await deps.thresholds.listByUser(tenantId, userId);
  return { items: items.map(thresholdResponse) };
}

export async function updateThreshold(
  deps: ThresholdDeps,
  tenantId: string,
  thresholdId: string,
  input: UpdateThresholdRequest,
  now: Date,
): Promise<ThresholdResponse> {
  const current = await deps.thresholds.get(tenantId, thresholdId);
  if (!current) throw new NotFoundError(`No threshold '${thresholdId}'.`);
  const { limitUsd, channels, ...rest } = input;
  const next: Threshold = {
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
    await deps.backfill?.(tenantId, next, now);
  }
  await deps.thresholds.put(tenantId, next);
  forgetThresholds(tenantId, next.userId);
  return thresholdResponse(next);
}

export async function deleteThreshold(deps: ThresholdDeps, tenantId: string, thresholdId: string) {
  const deleted = await deps.thresholds.delete(tenantId, thresholdId);
  if (!deleted) throw new NotFoundError(`No threshold '${thresholdId}'.`);
  forgetThresholds(tenantId, deleted.userId);
}

export function alertingResponse(config: AlertingConfig): AlertingConfigResponse {
  const { webhookSecret, ...rest } = config;
  return { ...rest, webhookSecretSet: webhookSecret !== undefined };
}

export async function putAlertingConfig(
  deps: { alerting: AlertingConfigStore; allowHttpWebhooks: boolean },
  tenantId: string,
  userId: string,
  input: AlertingConfigRequest,
  now: Date,
): Promise<AlertingConfigResponse> {
  if (input.webhookUrl && !deps.allowHttpWebhooks && new URL(input.webhookUrl).protocol !== 'https:') {
    throw new ValidationError('The webhook must use https.', [
      { path: 'webhookUrl', message: 'must be an https URL' },
    ]);
  }
  const config: AlertingConfig = {
    userId,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    updatedAt: now.toISOString(),
  };
  await deps.alerting.put(tenantId, config);
  return alertingResponse(config);
}

export async function getAlertingConfig(
  deps: { alerting: AlertingConfigStore },
  tenantId: string,
  userId: string,
): Promise<AlertingConfigResponse> {
  const config = await deps.alerting.get(tenantId, userId);
  if (!config) throw new NotFoundError(`No alerting configuration for user '${userId}'.`);
  return alertingResponse(config);
}

export function breachResponse(b: Breach): BreachResponse {
  return {
    breachId: b.breachId,
    thresholdId: b.thresholdId,
    userId: b.userId,
    level: b.level,
    status: b.status,
    periodKey: b.periodKey,
    periodStart: b.periodStart,
    periodEnd: b.periodEnd,
    spendUsd: toUsd(b.spendNano),
    limitUsd: toUsd(b.limitNano),
    detectedAt: b.detectedAt,
    acknowledgedAt: b.acknowledgedAt ?? null,
    resolvedAt: b.resolvedAt ?? null,
    escalatedAt: b.escalatedAt ?? null,
    notifications: b.notifications
      .filter((n) => n.channel !== 'emergency-topic')
      .map((n) => ({
        channel: n.channel as 'email' | 'sms' | 'webhook',
        status: n.status,
        attempts: n.attempts,
        ...(n.error ? { error: n.error } : {}),
      })),
  };
}

export async function listBreaches(
  deps: { breaches: BreachStore },
  tenantId: string,
  userId: string,
  status: BreachStatus | undefined,
) {
  const items = await deps.breaches.listByUser(tenantId, userId, status);
  return { items: items.map(breachResponse) };
}

/** Stops escalation of an open breach; acknowledging twice answers the same breach. */
export async function acknowledgeBreach(
  deps: { breaches: BreachStore },
  tenantId: string,
  breachId: string,
  now: Date,
): Promise<BreachResponse> {
  const current = await deps.breaches.get(tenantId, breachId);
  if (!current) throw new NotFoundError(`No breach '${breachId}'.`);
  if (current.status === 'acknowledged') return breachResponse(current);
  if (current.status === 'resolved') throw new ConflictError(`Breach '${breachId}' is already resolved.`);
  const updated = await deps.breaches.update(
    tenantId,
    breachId,
    { status: 'acknowledged', acknowledgedAt: now.toISOString() },
    ['open'],
  );
  if (!updated) throw new ConflictError(`Breach '${breachId}' changed meanwhile; read it again.`);
  return breachResponse(updated);
}
