import type { NanoUsd, PeriodKind } from '@cost-management/core';

/** Port: a user's spend in one UTC calendar period, from the aggregates. */
export interface PeriodSpendReader {
  periodSpend(tenantId: string, userId: string, period: PeriodKind, periodKey: string): Promise<NanoUsd>;
}
