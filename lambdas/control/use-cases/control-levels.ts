import type { ControlItem, ControlLevel } from '@cost-management/core';
import type { ControlDeps } from './control-deps.js';
import { currentPeriod } from './refresh-control.js';

/**
 * The level in force of a stored configuration: its state's level while that state is of the
 * current period; `normal` while disabled, and once the period ended (until the next write resets
 * the state, nothing of the new period has been spent).
 */
export function levelInForce(item: ControlItem, now: Date): ControlLevel {
  if (!item.enabled) return 'normal';
  return item.state.periodKey === currentPeriod(item, now).key ? item.state.level : 'normal';
}

/** The level in force of each given user that has cost control configured (a read only: nothing is written). */
export async function controlLevels(
  deps: Pick<ControlDeps, 'store'>,
  tenantId: string,
  userIds: readonly string[],
  now: Date,
): Promise<Map<string, ControlLevel>> {
  const items = await deps.store.getMany(tenantId, userIds);
  return new Map(items.map((item) => [item.userId, levelInForce(item, now)]));
}
