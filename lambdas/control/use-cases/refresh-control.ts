import {
  applyReachedRules,
  type ControlItem,
  type ControlTransition,
  type Period,
  periodOf,
  resetForPeriod,
  transitionFields,
} from '@cost-management/core';
import { backoff } from '../../platform/retry.js';
import { actionIdsAt } from '../action-id.js';
import { type ControlSnapshot, invalidateControl } from '../control-cache.js';
import type { ControlDeps } from './control-deps.js';

export type RefreshDeps = Pick<ControlDeps, 'store' | 'spend'>;

/** Attempts of a read-decide-write loop before it gives up to a concurrent writer. */
export const MAX_ATTEMPTS = 5;
/** The pause before attempt number `attempt` (1 for the first retry) after a concurrent writer won. */
export const pauseBeforeRetry = (attempt: number) => backoff(attempt, { baseMs: 10 });

/** The current UTC calendar period of a budget. */
export const currentPeriod = (item: Pick<ControlItem, 'period'>, now: Date): Period =>
  periodOf(item.period, now.toISOString(), 'UTC');

/**
 * Writes a transition on condition that the state version read is still stored; the item as
 * written, or undefined when a concurrent writer won.
 */
async function writeTransition(
  deps: RefreshDeps,
  tenantId: string,
  item: ControlItem,
  { next, records }: ControlTransition,
  withCounters = false,
): Promise<ControlItem | undefined> {
  const outcome = await deps.store.transition(tenantId, {
    userId: item.userId,
    expectedVersion: item.state.version,
    next: transitionFields(next, withCounters),
    records,
  });
  invalidateControl(tenantId, item.userId);
  return outcome === 'written' ? { ...item, state: { ...next, version: item.state.version + 1 } } : undefined;
}

export interface RefreshResult extends ControlSnapshot {
  /** True when this call moved the state into a new period. */
  reset: boolean;
}

/**
 * Brings a user's control state up to date with the spend of the current UTC period: resets it at
 * a new period (audited), accounts new spend against a hard budget's headroom, and applies every
 * rule newly reached (once: transitions are conditioned on the state version). Undefined when the
 * user has no configuration. State is derived from spend, so any caller can repair a missed update.
 */
export async function refreshControl(
  deps: RefreshDeps,
  tenantId: string,
  userId: string,
  now: Date,
): Promise<RefreshResult | undefined> {
  const at = now.toISOString();
  const nextId = actionIdsAt(now);
  let reset = false;
  let last: RefreshResult | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await pauseBeforeRetry(attempt);
    let item = await deps.store.get(tenantId, userId);
    if (!item) return undefined;
    const period = currentPeriod(item, now);
    const spendNano = await deps.spend.periodSpend(tenantId, userId, period);
    last = { item, spendNano, period, reset };
    if (!item.enabled) return last;
    if (item.state.periodKey !== period.key) {
      const transition = resetForPeriod(item, period.key, spendNano, at, nextId);
      const written = await writeTransition(deps, tenantId, item, transition, true);
      if (!written) continue;
      reset = true;
      item = written;
      last = { item, spendNano, period, reset };
    }
    if (item.hardLimit && spendNano > item.state.seenNano) {
      // Another writer moved seenNano meanwhile: read again, so that no spend stays unaccounted
      // (a settled reservation would otherwise give its estimate back before the cost is deducted).
      if (!(await deps.store.accountSpend(tenantId, userId, period.key, item.state.seenNano, spendNano)))
        continue;
      const headroomNano = item.state.headroomNano - (spendNano - item.state.seenNano);
      item = { ...item, state: { ...item.state, seenNano: spendNano, headroomNano } };
      last = { item, spendNano, period, reset };
    }
    const transition = applyReachedRules(item, spendNano, at, nextId);
    if (!transition) return last;
    const applied = await writeTransition(deps, tenantId, item, transition);
    if (applied) return { item: applied, spendNano, period, reset };
  }
  return last;
}
