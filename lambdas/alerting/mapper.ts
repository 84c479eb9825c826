import type {
  AlertingConfigResponse,
  BreachResponse,
  ThresholdResponse,
  ThresholdWriteResponse,
} from '@cost-management/contract';
import { toUsd } from '@cost-management/core';
import type { AlertingConfig, Breach, Threshold } from './ports/alerting-store.js';

/** The alerting context's contract shapes, from the domain results of its use cases. */
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
    periodTotals: t.periodTotals ?? 'complete',
    ...(t.periodTotalsCompletedAt ? { periodTotalsCompletedAt: t.periodTotalsCompletedAt } : {}),
  };
}

/** The answer of a create or update: the threshold and its redacted request fields. */
export function thresholdWriteResponse(written: {
  threshold: Threshold;
  redacted: readonly string[];
}): ThresholdWriteResponse {
  return { ...thresholdResponse(written.threshold), redacted: [...written.redacted] };
}

export const thresholdListResponse = (items: readonly Threshold[]) => ({
  items: items.map(thresholdResponse),
});

/** The contacts without the webhook secret: only whether one is set. */
export function alertingResponse(config: AlertingConfig): AlertingConfigResponse {
  const { webhookSecret, ...rest } = config;
  return { ...rest, webhookSecretSet: webhookSecret !== undefined };
}

/** A breach with money in USD; the ops-topic delivery is internal and left out. */
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
        // A channel being sent right now is still pending for the reader.
        status: n.status === 'sending' ? ('pending' as const) : n.status,
        attempts: n.attempts,
        ...(n.error ? { error: n.error } : {}),
        ...(n.retryAt ? { retryAt: n.retryAt } : {}),
        ...(n.notifiedWith ? { notifiedWith: n.notifiedWith } : {}),
      })),
  };
}

export const breachListResponse = (items: readonly Breach[]) => ({ items: items.map(breachResponse) });

export const tenantBreachListResponse = (page: { breaches: readonly Breach[]; nextCursor?: string }) => ({
  items: page.breaches.map(breachResponse),
  nextCursor: page.nextCursor ?? null,
});
