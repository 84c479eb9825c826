import {
  type ActiveAction,
  activeActionsBySeverity,
  type ControlLevel,
  type EffectiveLimits,
  effectiveLimits,
} from '@cost-management/core';
import { NotFoundError } from '../../platform/errors.js';
import type { ControlSnapshot } from '../control-cache.js';
import { type RefreshDeps, refreshControl } from './refresh-control.js';

/** A user's control state brought up to date: the level in force, its actions and limits. */
export interface ControlStatus extends ControlSnapshot {
  /** `normal` while cost control is disabled. */
  level: ControlLevel;
  /** Least severe first. */
  activeActions: ActiveAction[];
  effective: EffectiveLimits;
}

/** Brings a user's control state up to date, then reports it; a `NotFoundError` without configuration. */
export async function controlStatus(
  deps: RefreshDeps,
  tenantId: string,
  userId: string,
  now: Date,
): Promise<ControlStatus> {
  const result = await refreshControl(deps, tenantId, userId, now);
  if (!result) throw new NotFoundError(`No cost control is configured for user '${userId}'.`);
  const { item, spendNano, period } = result;
  const level: ControlLevel = item.enabled ? item.state.level : 'normal';
  return {
    item,
    spendNano,
    period,
    level,
    activeActions: activeActionsBySeverity(item.state),
    effective: effectiveLimits(level, item),
  };
}
