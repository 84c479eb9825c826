import type {
  AutoControlConfigResponse,
  AutoControlStatusResponse,
  CheckResponse,
  ControlActionEntry,
  ControlActionsResponse,
  ReverseActionResponse,
} from '@cost-management/contract';
import { type ControlActionRecord, type ControlItem, toUsd } from '@cost-management/core';
import type { z } from 'zod/mini';
import type { CheckAnswer } from './use-cases/check-request.js';
import type { ControlStatus } from './use-cases/control-status.js';
import type { ReversedAction } from './use-cases/reverse-action.js';

/** The control context's results in the contract's shapes: nano-USD become USD here, and only here. */

export function toConfigResponse(item: ControlItem): z.output<typeof AutoControlConfigResponse> {
  return {
    userId: item.userId,
    enabled: item.enabled,
    budgetUsd: toUsd(item.budgetNano),
    period: item.period,
    timezone: 'UTC' as const,
    rules: item.rules,
    downgradeMap: item.downgradeMap,
    maxRequestsPerMinute: item.maxRequestsPerMinute,
    hardLimit: item.hardLimit,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    level: item.state.level,
  };
}

export function toStatusResponse(status: ControlStatus): z.output<typeof AutoControlStatusResponse> {
  const { item, spendNano, period } = status;
  return {
    userId: item.userId,
    enabled: item.enabled,
    level: status.level,
    spendUsd: toUsd(spendNano),
    budgetUsd: toUsd(item.budgetNano),
    percentUsed: Math.round((spendNano / item.budgetNano) * 100 * 1000) / 1000,
    period: item.period,
    periodKey: period.key,
    periodEnd: period.end,
    hardLimit: item.hardLimit,
    reservedUsd: toUsd(item.state.reservedNano ?? 0),
    activeActions: status.activeActions.map((a) => ({ ...a, reversible: true })),
    effective: status.effective,
  };
}

export function toActionEntry(record: ControlActionRecord): z.output<typeof ControlActionEntry> {
  const { spendNano, budgetNano, ...rest } = record;
  return { ...rest, spendUsd: toUsd(spendNano), budgetUsd: toUsd(budgetNano) };
}

export function toActionsResponse(page: {
  records: ControlActionRecord[];
  nextCursor?: string;
}): z.output<typeof ControlActionsResponse> {
  return { items: page.records.map(toActionEntry), nextCursor: page.nextCursor ?? null };
}

export function toReverseResponse(result: ReversedAction): z.output<typeof ReverseActionResponse> {
  return {
    ...toActionEntry(result.reversed),
    reversedAt: result.reverse.at,
    level: result.level,
    reverseActionId: result.reverse.actionId,
    reversedByActor: {
      tenantId: result.reverse.actorTenantId ?? '',
      keyId: result.reverse.actorKeyId ?? null,
      label: result.reverse.actorLabel ?? null,
    },
    redacted: [...result.redacted],
  };
}

export function toCheckResponse(answer: CheckAnswer): z.output<typeof CheckResponse> {
  const { reservedNano, ...rest } = answer;
  return reservedNano === undefined ? rest : { ...rest, reservedUsd: toUsd(reservedNano) };
}
