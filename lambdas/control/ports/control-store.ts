import type { NanoUsd, Period } from '@cost-management/core';

/** Port: a user's spend in one (UTC calendar) period, from the usage context's aggregates. */
export interface PeriodSpendReader {
  periodSpend(tenantId: string, userId: string, period: Period): Promise<NanoUsd>;
}
