import type { Breach, Threshold } from '../../lambdas/alerting/ports/alerting-store.js';

/** A monthly absolute $1 threshold in UTC of user `u`, created on 2026-11-01; `overrides` sets any field. */
export function thresholdFixture(overrides: Partial<Threshold> = {}): Threshold {
  return {
    thresholdId: 'th',
    userId: 'u',
    name: 'cap',
    type: 'absolute',
    period: 'monthly',
    limitNano: 1_000_000_000,
    warningPercent: 80,
    emergencyPercent: 150,
    changePercent: 50,
    timezone: 'UTC',
    channels: ['email'],
    enabled: true,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

/**
 * An open warning breach of November 2026 (UTC) of threshold `thresholdId` of tenant `t`, at $0.90
 * of $1, its email sent; `overrides` sets any field (the id follows the threshold unless given).
 */
export function breachFixture(overrides: Partial<Breach> & { thresholdId: string }): Breach {
  return {
    tenantId: 't',
    breachId: `${overrides.thresholdId}.2026-11.${overrides.level ?? 'warning'}`,
    thresholdName: 'cap',
    thresholdType: 'absolute',
    userId: 'u',
    level: 'warning',
    status: 'open',
    periodKey: '2026-11',
    periodStart: '2026-11-01T00:00:00.000Z',
    periodEnd: '2026-12-01T00:00:00.000Z',
    timezone: 'UTC',
    spendNano: 900_000_000,
    limitNano: 1_000_000_000,
    channels: ['email'],
    detectedAt: '2026-11-23T09:00:00.000Z',
    notifications: [{ channel: 'email', status: 'sent', attempts: 1 }],
    delivery: 'done',
    ...overrides,
  };
}
