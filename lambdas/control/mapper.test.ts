import { type ControlActionRecord, effectiveLimits, freshControlState } from '@cost-management/core';
import { describe, expect, it } from 'vitest';
import { toActionsResponse, toCheckResponse, toReverseResponse, toStatusResponse } from './mapper.js';

const USD = 1_000_000_000;
const AT = '2026-11-23T10:00:00.000Z';

const settings = {
  userId: 'u1',
  enabled: true,
  budgetNano: 10 * USD,
  period: 'monthly' as const,
  rules: [{ atPercent: 80, action: 'throttle_light' as const }],
  downgradeMap: {},
  maxRequestsPerMinute: 30,
  hardLimit: true,
  createdAt: AT,
  updatedAt: AT,
};

const record = (overrides: Partial<ControlActionRecord> = {}): ControlActionRecord => ({
  actionId: 'a1',
  userId: 'u1',
  type: 'apply',
  action: 'throttle_light',
  at: AT,
  actor: 'system',
  reason: 'r',
  periodKey: '2026-11',
  spendNano: 8 * USD,
  budgetNano: 10 * USD,
  before: { level: 'normal', activeActions: [] },
  after: { level: 'light', activeActions: ['throttle_light'] },
  reversedAt: null,
  reversedBy: null,
  reversesActionId: null,
  ...overrides,
});

describe('the control mapper', () => {
  it('turns nano-USD into USD in the status, with every active action reversible', () => {
    const active = { actionId: 'a1', action: 'throttle_light' as const, appliedAt: AT, reason: 'r' };
    const item = {
      ...settings,
      state: { ...freshControlState(10 * USD, '2026-11', 0, 1, USD / 2), level: 'light' as const },
    };
    const status = toStatusResponse({
      item,
      spendNano: 8_123_456_789,
      period: { kind: 'monthly', key: '2026-11', start: AT, end: '2026-12-01T00:00:00.000Z' } as never,
      level: 'light',
      activeActions: [active],
      effective: effectiveLimits('light', item),
    });
    expect(status).toMatchObject({
      userId: 'u1',
      spendUsd: 8.123456789,
      budgetUsd: 10,
      percentUsed: 81.235,
      reservedUsd: 0.5,
      periodKey: '2026-11',
      periodEnd: '2026-12-01T00:00:00.000Z',
      activeActions: [{ ...active, reversible: true }],
    });
  });

  it('maps an audit page and a reverse', () => {
    const { spendNano: _spend, budgetNano: _budget, ...entry } = record();
    expect(toActionsResponse({ records: [record()], nextCursor: 'next' })).toEqual({
      items: [{ ...entry, spendUsd: 8, budgetUsd: 10 }],
      nextCursor: 'next',
    });
    expect(toActionsResponse({ records: [] })).toEqual({ items: [], nextCursor: null });
    const reversed = toReverseResponse({
      reversed: record({ reversedAt: AT, reversedBy: 'ops' }),
      reverse: record({ actionId: 'a2', type: 'reverse', reversesActionId: 'a1' }),
      level: 'normal',
      redacted: ['reason'],
    });
    expect(reversed).toMatchObject({
      actionId: 'a1',
      reversedBy: 'ops',
      level: 'normal',
      reverseActionId: 'a2',
      redacted: ['reason'],
    });
  });

  it('names a reservation in USD only when one was made', () => {
    const answer = {
      decision: 'allow' as const,
      modelId: 'm',
      level: 'normal' as const,
      retryAfterMs: 0,
      reason: 'Within budget.',
      requestId: 'r1',
    };
    expect(toCheckResponse(answer)).toEqual(answer);
    expect(toCheckResponse({ ...answer, reservedNano: 300_000 })).toEqual({ ...answer, reservedUsd: 0.0003 });
  });
});
