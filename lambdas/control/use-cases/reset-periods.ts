import { logger } from '../../platform/logger.js';
import { CONTROL_SWEEP_SHARDS } from '../ports/control-config-store.js';
import { type RefreshDeps, refreshControl } from './refresh-control.js';

/**
 * Resets every enabled configuration whose period has ended (and applies rules the new period's
 * spend already reaches). Checks and status reads do the same lazily; a sweep calls this so that
 * idle users are reset too. Cost grows with enabled configurations, not with events.
 */
export async function resetExpiredPeriods(
  deps: RefreshDeps,
  now: Date,
  shards = CONTROL_SWEEP_SHARDS,
): Promise<{ checked: number; reset: number; failed: number }> {
  const summary = { checked: 0, reset: 0, failed: 0 };
  for (let shard = 0; shard < shards; shard++) {
    let cursor: string | undefined;
    do {
      const page = await deps.store.listEnabled(shard, cursor);
      for (const { tenantId, userId } of page.items) {
        summary.checked++;
        try {
          const result = await refreshControl(deps, tenantId, userId, now);
          if (result?.reset) summary.reset++;
        } catch (error) {
          summary.failed++;
          logger.warn('cost-control period reset failed', { tenantId, userId, error: error as Error });
        }
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return summary;
}
