import { randomBytes } from 'node:crypto';
import type {
  AutoControlConfigResponse,
  AutoControlInitRequest,
  AutoControlStatusResponse,
  ControlActionEntry,
  ControlActionsResponse,
  ReverseActionRequest,
  ReverseActionResponse,
} from '@cost-management/contract';
import {
  ACTION_LEVEL,
  CONTROL_LEVELS,
  type ControlAction,
  type ControlLevel,
  type ControlRule,
  DEFAULT_CONTROL_RULES,
  DEFAULT_DOWNGRADE_MAP,
  DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE,
  effectiveLimits,
  fromUsd,
  type NanoUsd,
  nextLevelAfterReverse,
  type Period,
  periodOf,
  reachesPercent,
  toUsd,
  tryResolveModel,
  validateControlConfig,
} from '@cost-management/core';
import type { z } from 'zod';
import { ConflictError, NotFoundError, UnknownModelsError } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import type { IngestReactor } from '../../usage/use-cases/track-usage.js';
import { type ControlSnapshot, cacheControl, cachedControl, invalidateControl } from '../control-cache.js';
import {
  type ActionHistoryReader,
  type ActiveAction,
  CONTROL_SWEEP_SHARDS,
  type ControlActionRecord,
  type ControlItem,
  type ControlState,
  type ControlStore,
  type LevelSnapshot,
  type PeriodSpendReader,
  type Transition,
} from '../ports/control-store.js';

export interface ControlDeps {
  store: ControlStore;
  spend: PeriodSpendReader;
}

/** Who acts when the service itself applies or resets a level. */
export const SYSTEM_ACTOR = 'system';
const MAX_ATTEMPTS = 5;
/** Jittered pause before another attempt after a concurrent writer won. */
const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt * (0.5 + Math.random())));

const rank = (level: ControlLevel) => CONTROL_LEVELS.indexOf(level);

/** The current UTC calendar period of a budget. */
export const currentPeriod = (item: Pick<ControlItem, 'period'>, now: Date): Period =>
  periodOf(item.period, now.toISOString(), 'UTC');

let lastIdMs = 0;

/**
 * Time-ordered, unique action ids (usable in a path). Within a process they strictly increase, so
 * entries written in the same millisecond (a reset and the rules applied after it) keep their order.
 */
export function newActionId(now: Date, sequence = 0): string {
  lastIdMs = Math.max(now.getTime(), lastIdMs + 1);
  return `${lastIdMs.toString(36).padStart(9, '0')}${sequence.toString(36)}${randomBytes(6).toString('hex')}`;
}

const snapshotOf = (state: Pick<ControlState, 'level' | 'active'>): LevelSnapshot => ({
  level: state.level,
  activeActions: Object.keys(state.active) as ControlAction[],
});

const percentText = (spend: NanoUsd, budget: NanoUsd) => ((spend / budget) * 100).toFixed(1);

function auditRecord(
  item: ControlItem,
  fields: Pick<ControlActionRecord, 'type' | 'action' | 'actor' | 'reason' | 'before' | 'after'> & {
    at: Date;
    sequence?: number;
    periodKey: string;
    spendNano: NanoUsd;
    reversesActionId?: string;
  },
): ControlActionRecord {
  return {
    actionId: newActionId(fields.at, fields.sequence),
    userId: item.userId,
    type: fields.type,
    action: fields.action,
    at: fields.at.toISOString(),
    actor: fields.actor,
    reason: fields.reason,
    periodKey: fields.periodKey,
    spendNano: fields.spendNano,
    budgetNano: item.budgetNano,
    before: fields.before,
    after: fields.after,
    reversedAt: null,
    reversedBy: null,
    reversesActionId: fields.reversesActionId ?? null,
  };
}

/**
 * The state of a fresh period: normal, nothing applied or reversed, the headroom from spend and the
 * reservations still open in this period (their items give the estimate back when released).
 */
function freshState(
  budgetNano: NanoUsd,
  periodKey: string,
  spendNano: NanoUsd,
  version: number,
  reservedNano: NanoUsd = 0,
): ControlState {
  return {
    level: 'normal',
    periodKey,
    active: {},
    reversed: [],
    reservedNano,
    headroomNano: budgetNano - spendNano - reservedNano,
    seenNano: spendNano,
    bucket: null,
    version,
  };
}

/**
 * The fields a transition writes. The hard-budget counters and the token bucket change under
 * reserve, release, accountSpend and saveBucket without a version bump, so only a period reset
 * (which starts them afresh) may overwrite them; any other transition would undo those writes.
 */
function transitionFields(next: ControlState, withCounters: boolean): Transition['next'] {
  const { level, periodKey, active, reversed } = next;
  if (!withCounters) return { level, periodKey, active, reversed };
  const { reservedNano, headroomNano, seenNano, bucket } = next;
  return { level, periodKey, active, reversed, reservedNano, headroomNano, seenNano, bucket };
}

async function writeTransition(
  deps: ControlDeps,
  tenantId: string,
  item: ControlItem,
  next: ControlState,
  records: ControlActionRecord[],
  withCounters = false,
): Promise<ControlItem | undefined> {
  const transition: Transition = {
    userId: item.userId,
    expectedVersion: item.state.version,
    next: transitionFields(next, withCounters),
    records,
  };
  const outcome = await deps.store.transition(tenantId, transition);
  invalidateControl(tenantId, item.userId);
  return outcome === 'written' ? { ...item, state: { ...next, version: item.state.version + 1 } } : undefined;
}

/** Rules newly reached on the way from the stored level to `target`, in ascending order. */
function newlyReached(item: ControlItem, spendNano: NanoUsd, target: ControlLevel): ControlRule[] {
  return item.rules.filter((rule) => {
    const level = ACTION_LEVEL[rule.action];
    return (
      rank(level) > rank(item.state.level) &&
      rank(level) <= rank(target) &&
      !item.state.reversed.includes(rule.action) &&
      item.state.active[rule.action] === undefined &&
      reachesPercent(spendNano, item.budgetNano, rule.atPercent)
    );
  });
}

async function applyRules(
  deps: ControlDeps,
  tenantId: string,
  item: ControlItem,
  spendNano: NanoUsd,
  now: Date,
): Promise<ControlItem | undefined | 'unchanged'> {
  const target = nextLevelAfterReverse({
    spendNano,
    budgetNano: item.budgetNano,
    rules: item.rules,
    reversedActions: item.state.reversed,
  });
  if (rank(target.level) <= rank(item.state.level)) return 'unchanged';
  const records: ControlActionRecord[] = [];
  let state: ControlState = item.state;
  for (const rule of newlyReached(item, spendNano, target.level)) {
    const reason = `Spend ${toUsd(spendNano)} USD is ${percentText(spendNano, item.budgetNano)} % of the ${item.period} budget ${toUsd(item.budgetNano)} USD (rule at ${rule.atPercent} %).`;
    const record = auditRecord(item, {
      type: 'apply',
      action: rule.action,
      actor: SYSTEM_ACTOR,
      reason,
      before: snapshotOf(state),
      after: snapshotOf({ level: ACTION_LEVEL[rule.action], active: { ...state.active, [rule.action]: {} } }),
      at: now,
      sequence: records.length,
      periodKey: state.periodKey,
      spendNano,
    });
    const active: ActiveAction = {
      actionId: record.actionId,
      action: rule.action,
      appliedAt: record.at,
      reason,
    };
    state = {
      ...state,
      level: ACTION_LEVEL[rule.action],
      active: { ...state.active, [rule.action]: active },
    };
    records.push(record);
  }
  return writeTransition(deps, tenantId, item, { ...state, level: target.level }, records);
}

async function resetPeriod(
  deps: ControlDeps,
  tenantId: string,
  item: ControlItem,
  period: Period,
  spendNano: NanoUsd,
  now: Date,
): Promise<ControlItem | undefined> {
  const next = freshState(item.budgetNano, period.key, spendNano, item.state.version + 1);
  const eventful =
    item.state.level !== 'normal' ||
    item.state.reversed.length > 0 ||
    Object.keys(item.state.active).length > 0;
  const records = eventful
    ? [
        auditRecord(item, {
          type: 'reset',
          action: null,
          actor: SYSTEM_ACTOR,
          reason: `New ${item.period} period ${period.key} (was ${item.state.periodKey}): the level returns to normal.`,
          before: snapshotOf(item.state),
          after: snapshotOf(next),
          at: now,
          periodKey: period.key,
          spendNano,
        }),
      ]
    : [];
  return writeTransition(deps, tenantId, item, next, records, true);
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
  deps: ControlDeps,
  tenantId: string,
  userId: string,
  now: Date,
): Promise<RefreshResult | undefined> {
  let reset = false;
  let last: RefreshResult | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(attempt);
    let item = await deps.store.get(tenantId, userId);
    if (!item) return undefined;
    const period = currentPeriod(item, now);
    const spendNano = await deps.spend.periodSpend(tenantId, userId, period);
    last = { item, spendNano, period, reset };
    if (!item.enabled) return last;
    if (item.state.periodKey !== period.key) {
      const written = await resetPeriod(deps, tenantId, item, period, spendNano, now);
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
    const applied = await applyRules(deps, tenantId, item, spendNano, now);
    if (applied === 'unchanged') return last;
    if (applied) return { item: applied, spendNano, period, reset };
  }
  return last;
}

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

/**
 * Creates or replaces a user's configuration. Replacing starts the period state afresh (level
 * normal, reversals dropped, audited when a level was in force) but keeps the period's open
 * hard-budget reservations; rules already reached by this period's spend are applied at once.
 */
export async function initControl(deps: ControlDeps, tenantId: string, body: InitBody, now: Date) {
  const rules = body.rules ?? [...DEFAULT_CONTROL_RULES];
  const maxRequestsPerMinute = body.maxRequestsPerMinute ?? DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE;
  const budgetNano = fromUsd(body.budgetUsd);
  const rawMap = body.downgradeMap ?? { ...DEFAULT_DOWNGRADE_MAP };
  // As given, so error paths name the caller's keys; then once more in catalog ids, where two
  // spellings of one model can turn into a self-map or a cycle.
  validateControlConfig({ budgetNano, rules, downgradeMap: rawMap, maxRequestsPerMinute });
  const downgradeMap = canonicalDowngradeMap(rawMap);
  validateControlConfig({ budgetNano, rules, downgradeMap, maxRequestsPerMinute });

  const period = periodOf(body.period, now.toISOString(), 'UTC');
  let existing: ControlItem | undefined;
  let item: ControlItem | undefined;
  let outcome: 'created' | 'replaced' | 'changed' = 'changed';
  let spendNano: NanoUsd = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && outcome === 'changed'; attempt++) {
    if (attempt > 0) await pause(attempt);
    existing = await deps.store.get(tenantId, body.userId);
    spendNano = await deps.spend.periodSpend(tenantId, body.userId, period);
    // Reservations still open in this period keep holding their estimate: each gives it back when
    // its usage is tracked or it expires, so dropping it here would admit more than the budget.
    const openNano = existing?.state.periodKey === period.key ? (existing.state.reservedNano ?? 0) : 0;
    item = {
      userId: body.userId,
      enabled: body.enabled,
      budgetNano,
      period: body.period,
      rules,
      downgradeMap,
      maxRequestsPerMinute,
      hardLimit: body.hardLimit,
      createdAt: existing?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
      state: freshState(budgetNano, period.key, spendNano, (existing?.state.version ?? 0) + 1, openNano),
    };
    // A level in force ends with the replacement: audited in the same write.
    const records =
      existing && existing.state.level !== 'normal'
        ? [
            auditRecord(item, {
              type: 'reset',
              action: null,
              actor: SYSTEM_ACTOR,
              reason: 'The configuration was replaced: the level returns to normal and is evaluated again.',
              before: snapshotOf(existing.state),
              after: snapshotOf(item.state),
              at: now,
              periodKey: period.key,
              spendNano,
            }),
          ]
        : [];
    // Conditioned on the state read: a concurrent reservation or transition makes it read again.
    outcome = await deps.store.put(
      tenantId,
      item,
      existing ? { version: existing.state.version, reservedNano: existing.state.reservedNano ?? 0 } : null,
      records,
    );
    invalidateControl(tenantId, body.userId);
  }
  if (outcome === 'changed' || !item) {
    throw new ConflictError('The control state kept changing; retry the configuration.');
  }
  const refreshed = item.enabled ? await refreshControl(deps, tenantId, body.userId, now) : undefined;
  return { created: outcome === 'created', config: toConfigResponse(refreshed?.item ?? item) };
}

/** `GET /auto-control/status/{userId}`: brings the state up to date, then reports it. */
export async function getControlStatus(
  deps: ControlDeps,
  tenantId: string,
  userId: string,
  now: Date,
): Promise<z.output<typeof AutoControlStatusResponse>> {
  const result = await refreshControl(deps, tenantId, userId, now);
  if (!result) throw new NotFoundError(`No cost control is configured for user '${userId}'.`);
  const { item, spendNano, period } = result;
  const level: ControlLevel = item.enabled ? item.state.level : 'normal';
  return {
    userId,
    enabled: item.enabled,
    level,
    spendUsd: toUsd(spendNano),
    budgetUsd: toUsd(item.budgetNano),
    percentUsed: Math.round((spendNano / item.budgetNano) * 100 * 1000) / 1000,
    period: item.period,
    periodKey: period.key,
    periodEnd: period.end,
    hardLimit: item.hardLimit,
    reservedUsd: toUsd(item.state.reservedNano ?? 0),
    activeActions: Object.values(item.state.active)
      .filter((a): a is ActiveAction => a !== undefined)
      .sort((a, b) => rank(ACTION_LEVEL[a.action]) - rank(ACTION_LEVEL[b.action]))
      .map((a) => ({ ...a, reversible: true })),
    effective: effectiveLimits(level, item),
  };
}

export function toActionEntry(record: ControlActionRecord): z.output<typeof ControlActionEntry> {
  const { spendNano, budgetNano, ...rest } = record;
  return { ...rest, spendUsd: toUsd(spendNano), budgetUsd: toUsd(budgetNano) };
}

/** `GET /auto-control/actions/{userId}`: the audit history, newest first. */
export async function listControlActions(
  deps: { history: ActionHistoryReader },
  tenantId: string,
  userId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<z.output<typeof ControlActionsResponse>> {
  const { records, nextCursor } = await deps.history.listActions(tenantId, userId, page.limit, page.cursor);
  return { items: records.map(toActionEntry), nextCursor: nextCursor ?? null };
}

type ReverseBody = z.output<typeof ReverseActionRequest>;

/**
 * Reverses an applied action: marks it reversed (once: a second reverse is a `ConflictError`),
 * records who and why, and recomputes the level with `nextLevelAfterReverse`, so the action is not
 * applied again in this period unless spend reaches a further rule. An action of a past period is
 * only marked: its period's state was already reset.
 */
export async function reverseControlAction(
  deps: ControlDeps,
  tenantId: string,
  actionId: string,
  body: ReverseBody,
  now: Date,
): Promise<z.output<typeof ReverseActionResponse>> {
  const applied = await deps.store.getAction(tenantId, actionId);
  if (!applied) throw new NotFoundError(`Control action '${actionId}' does not exist.`);
  if (applied.type !== 'apply' || applied.action === null) {
    throw new ConflictError(
      `Control action '${actionId}' is a ${applied.type} entry; only applied actions can be reversed.`,
    );
  }
  if (applied.reversedAt !== null)
    throw new ConflictError(`Control action '${actionId}' was already reversed.`);
  const action = applied.action;
  const actor = body.actor ?? 'operator';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(attempt);
    const fresh = await refreshControl(deps, tenantId, applied.userId, now);
    if (!fresh) throw new NotFoundError(`Control action '${actionId}' does not exist.`);
    const { item, spendNano } = fresh;
    const inForce = item.state.active[action]?.actionId === actionId;
    let next: ControlState = item.state;
    if (inForce) {
      const reversed = [...new Set([...item.state.reversed, action])];
      const target = nextLevelAfterReverse({
        spendNano,
        budgetNano: item.budgetNano,
        rules: item.rules,
        reversedActions: reversed,
      });
      const active = Object.fromEntries(
        Object.entries(item.state.active).filter(
          ([name]) => name !== action && rank(ACTION_LEVEL[name as ControlAction]) <= rank(target.level),
        ),
      );
      next = { ...item.state, level: target.level, reversed, active };
    }
    const record = auditRecord(item, {
      type: 'reverse',
      action,
      actor,
      reason: body.reason,
      before: snapshotOf(item.state),
      after: snapshotOf(next),
      at: now,
      periodKey: item.state.periodKey,
      spendNano,
      reversesActionId: actionId,
    });
    const outcome = await deps.store.transition(tenantId, {
      userId: item.userId,
      expectedVersion: item.state.version,
      next: transitionFields(next, false),
      records: [record],
      markReversed: { actionId, reversedAt: record.at, reversedBy: actor },
    });
    invalidateControl(tenantId, item.userId);
    if (outcome === 'already-reversed')
      throw new ConflictError(`Control action '${actionId}' was already reversed.`);
    if (outcome === 'written') {
      return {
        ...toActionEntry({ ...applied, reversedAt: record.at, reversedBy: actor }),
        reversedAt: record.at,
        level: next.level,
        reverseActionId: record.actionId,
      };
    }
  }
  throw new ConflictError('The control state kept changing; retry the reverse.');
}

/**
 * Cost control on the ingest path: after events are recorded, each user's level is brought up to
 * date and hard-budget reservations of the recorded requestIds are settled. It never throws: a
 * failure is logged and repaired by the next event, check or status read.
 */
export function autoControlReactor(deps: ControlDeps): IngestReactor {
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

/**
 * Resets every enabled configuration whose period has ended (and applies rules the new period's
 * spend already reaches). Checks and status reads do the same lazily; a sweep calls this so that
 * idle users are reset too. Cost grows with enabled configurations, not with events.
 */
export async function resetExpiredPeriods(
  deps: ControlDeps,
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
