import { logger } from '../../platform/logger.js';
import type { IngestReactor } from '../../usage/ports/ingest-reactor.js';
import { cacheControl, cachedControl, invalidateControl } from '../control-cache.js';
import { type RefreshDeps, refreshControl } from './refresh-control.js';

/**
 * Cost control on the ingest path: after events are recorded, each user's level is brought up to
 * date and hard-budget reservations of the recorded requestIds are settled. It never throws: a
 * failure is logged and repaired by the next event, check or status read.
 */
export function autoControlReactor(deps: RefreshDeps): IngestReactor {
  return async (tenantId, recorded, now) => {
    const byUser = new Map<string, string[]>();
    for (const record of recorded) {
      byUser.set(record.userId, [...(byUser.get(record.userId) ?? []), record.requestId]);
    }
    for (const [userId, requestIds] of byUser) {
      // Most users have no cost control: remember that for as long as /check may (no read per event).
      const known = cachedControl(tenantId, userId, now.getTime());
      if (known && known.snapshot === undefined) continue;
      try {
        const result = await refreshControl(deps, tenantId, userId, now);
        if (!result) {
          cacheControl(tenantId, userId, undefined, now.getTime());
          continue;
        }
        if (result.item.hardLimit) {
          for (const requestId of requestIds) await deps.store.release(tenantId, userId, requestId);
        }
        invalidateControl(tenantId, userId);
      } catch (error) {
        logger.warn('cost-control evaluation failed; the next event or check recomputes it', {
          tenantId,
          userId,
          error: error as Error,
        });
      }
    }
  };
}
