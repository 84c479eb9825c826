import type { AutoControlInitRequest } from '@cost-management/contract';
import {
  type ControlItem,
  DEFAULT_CONTROL_RULES,
  DEFAULT_DOWNGRADE_MAP,
  DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE,
  fromUsd,
  type NanoUsd,
  periodOf,
  replaceConfiguration,
  toUsd,
  tryResolveModel,
  validateControlConfig,
} from '@cost-management/core';
import type { z } from 'zod/mini';
import { ConflictError, UnknownModelsError } from '../../platform/errors.js';
import type { AuditActor, AuditLog } from '../../privacy/ports/audit-log.js';
import { actionIdsAt } from '../action-id.js';
import { invalidateControl } from '../control-cache.js';
import { MAX_ATTEMPTS, pauseBeforeRetry, type RefreshDeps, refreshControl } from './refresh-control.js';

type InitBody = z.output<typeof AutoControlInitRequest>;

function canonicalDowngradeMap(map: Record<string, string>): Record<string, string> {
  const unknown: { path: string; message: string }[] = [];
  const canonical: Record<string, string> = {};
  for (const [from, to] of Object.entries(map)) {
    const source = tryResolveModel(from);
    const target = tryResolveModel(to);
    if (!source)
      unknown.push({ path: `downgradeMap.${from}`, message: `'${from}' is not in the pricing catalog` });
    if (!target)
      unknown.push({ path: `downgradeMap.${from}`, message: `'${to}' is not in the pricing catalog` });
    if (source && target) canonical[source.model.modelId] = target.model.modelId;
  }
  if (unknown.length > 0) {
    throw new UnknownModelsError(
      'The downgrade map names models outside the pricing catalog. GET /api/cost-management/models lists every supported model id.',
      unknown,
    );
  }
  return canonical;
}

/** A configuration as an audit entry shows it (no state, amounts in dollars). */
export function controlAuditView(item: ControlItem) {
  return {
    enabled: item.enabled,
    budgetUsd: toUsd(item.budgetNano),
    period: item.period,
    rules: item.rules,
    downgradeMap: item.downgradeMap,
    maxRequestsPerMinute: item.maxRequestsPerMinute,
    hardLimit: item.hardLimit,
  };
}

/**
 * Creates or replaces a user's configuration. Replacing starts the period state afresh (level
 * normal, reversals dropped, audited when a level was in force) but keeps the period's open
 * hard-budget reservations; rules already reached by this period's spend are applied at once.
 * With `deps.audit`, the change is audited (`control.create` or `control.replace`, the
 * configuration before and after) in the same transaction as the write.
 */
export async function initControl(
  deps: RefreshDeps & { audit?: AuditLog },
  tenantId: string,
  body: InitBody,
  now: Date,
  actor: AuditActor = { tenant: tenantId, keyId: null },
): Promise<{ created: boolean; item: ControlItem }> {
  const rules = body.rules ?? [...DEFAULT_CONTROL_RULES];
  const maxRequestsPerMinute = body.maxRequestsPerMinute ?? DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE;
  const budgetNano = fromUsd(body.budgetUsd);
  const rawMap = body.downgradeMap ?? { ...DEFAULT_DOWNGRADE_MAP };
  // As given, so error paths name the caller's keys; then once more in catalog ids, where two
  // spellings of one model can turn into a self-map or a cycle.
  validateControlConfig({ budgetNano, rules, downgradeMap: rawMap, maxRequestsPerMinute });
  const downgradeMap = canonicalDowngradeMap(rawMap);
  validateControlConfig({ budgetNano, rules, downgradeMap, maxRequestsPerMinute });

  const at = now.toISOString();
  const period = periodOf(body.period, at, 'UTC');
  let item: ControlItem | undefined;
  let outcome: 'created' | 'replaced' | 'changed' = 'changed';
  let spendNano: NanoUsd = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && outcome === 'changed'; attempt++) {
    if (attempt > 0) await pauseBeforeRetry(attempt);
    const existing = await deps.store.get(tenantId, body.userId);
    spendNano = await deps.spend.periodSpend(tenantId, body.userId, period);
    // Reservations still open in this period keep holding their estimate: each gives it back when
    // its usage is tracked or it expires, so dropping it here would admit more than the budget.
    const settings = {
      userId: body.userId,
      enabled: body.enabled,
      budgetNano,
      period: body.period,
      rules,
      downgradeMap,
      maxRequestsPerMinute,
      hardLimit: body.hardLimit,
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
    };
    // A level in force ends with the replacement: audited in the same write.
    const replacement = replaceConfiguration(settings, existing, period.key, spendNano, at, actionIdsAt(now));
    item = replacement.item;
    const audit = await deps.audit?.prepare(
      {
        actor,
        action: existing ? 'control.replace' : 'control.create',
        target: body.userId,
        before: existing ? controlAuditView(existing) : null,
        after: controlAuditView(item),
      },
      now,
    );
    // Conditioned on the state read: a concurrent reservation or transition makes it read again.
    outcome = await deps.store.put(
      tenantId,
      item,
      existing ? { version: existing.state.version, reservedNano: existing.state.reservedNano ?? 0 } : null,
      replacement.records,
      audit,
    );
    invalidateControl(tenantId, body.userId);
  }
  if (outcome === 'changed' || !item) {
    throw new ConflictError('The control state kept changing; retry the configuration.');
  }
  const refreshed = item.enabled ? await refreshControl(deps, tenantId, body.userId, now) : undefined;
  return { created: outcome === 'created', item: refreshed?.item ?? item };
}
