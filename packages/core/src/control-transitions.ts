import {
  ACTION_LEVEL,
  CONTROL_LEVELS,
  type ControlAction,
  type ControlLevel,
  type ControlRule,
  nextLevelAfterReverse,
  type TokenBucket,
} from './control-policy.js';
import { type NanoUsd, toUsd } from './money.js';
import type { PeriodKind } from './periods.js';
import { reachesPercent } from './thresholds.js';

/** A user's cost-control configuration (what `POST /auto-control/init` sets). */
export interface ControlSettings {
  userId: string;
  enabled: boolean;
  budgetNano: NanoUsd;
  /** UTC calendar period the budget applies to. */
  period: PeriodKind;
  rules: ControlRule[];
  /** Canonical model id → canonical cheaper model id. */
  downgradeMap: Record<string, string>;
  maxRequestsPerMinute: number;
  hardLimit: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An applied action that is in force. */
export interface ActiveAction {
  actionId: string;
  action: ControlAction;
  appliedAt: string;
  reason: string;
}

/** Live state, kept with the settings so that `/check` reads one item. */
export interface ControlState {
  level: ControlLevel;
  /** UTC period key the state belongs to (`2026-11`, `2026-W48`, `2026-11-23`). */
  periodKey: string;
  /** Applied, not reversed actions of this period, by action. */
  active: Partial<Record<ControlAction, ActiveAction>>;
  /** Actions reversed in this period: not applied again in it. */
  reversed: ControlAction[];
  /** Hard budget: the sum of the open reservations. */
  reservedNano: NanoUsd;
  /** Hard budget: budget − spend accounted − reserved, in nano-USD. May go negative. */
  headroomNano: NanoUsd;
  /** Hard budget: the period spend already deducted from the headroom. */
  seenNano: NanoUsd;
  bucket: TokenBucket | null;
  /** Increments on every level transition (apply, reverse, reset, init): optimistic concurrency. */
  version: number;
}

export interface ControlItem extends ControlSettings {
  state: ControlState;
}

export type ControlActionType = 'apply' | 'reverse' | 'reset';

export interface LevelSnapshot {
  level: ControlLevel;
  activeActions: ControlAction[];
}

/** One audit entry: who did what, why and when, with the state before and after. */
export interface ControlActionRecord {
  actionId: string;
  userId: string;
  type: ControlActionType;
  action: ControlAction | null;
  at: string;
  actor: string;
  reason: string;
  periodKey: string;
  spendNano: NanoUsd;
  budgetNano: NanoUsd;
  before: LevelSnapshot;
  after: LevelSnapshot;
  reversedAt: string | null;
  reversedBy: string | null;
  reversesActionId: string | null;
}

/** The state fields a transition writes; the counters only with a period reset or a fresh state. */
export type TransitionFields = Pick<ControlState, 'level' | 'periodKey' | 'active' | 'reversed'> &
  Partial<Pick<ControlState, 'reservedNano' | 'headroomNano' | 'seenNano' | 'bucket'>>;

/** The next state and the audit entries that record the way to it. */
export interface ControlTransition {
  next: ControlState;
  records: ControlActionRecord[];
}

/**
 * Gives the id of the audit entry number `sequence` of one transition. Ids must order entries by
 * time and, within one transition, by sequence.
 */
export type ActionIdSource = (sequence: number) => string;

/** Who acts when the service itself applies or resets a level. */
export const SYSTEM_ACTOR = 'system';

const rank = (level: ControlLevel) => CONTROL_LEVELS.indexOf(level);

/** The level and the actions in force of a state, as an audit entry shows them. */
export const levelSnapshot = (state: Pick<ControlState, 'level' | 'active'>): LevelSnapshot => ({
  level: state.level,
  activeActions: Object.keys(state.active) as ControlAction[],
});

const percentText = (spend: NanoUsd, budget: NanoUsd) => ((spend / budget) * 100).toFixed(1);

function auditEntry(
  item: Pick<ControlItem, 'userId' | 'budgetNano'>,
  fields: Pick<
    ControlActionRecord,
    | 'actionId'
    | 'type'
    | 'action'
    | 'at'
    | 'actor'
    | 'reason'
    | 'before'
    | 'after'
    | 'periodKey'
    | 'spendNano'
  > & { reversesActionId?: string },
): ControlActionRecord {
  return {
    actionId: fields.actionId,
    userId: item.userId,
    type: fields.type,
    action: fields.action,
    at: fields.at,
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
 * reservations still open in this period (they give their estimate back when released).
 */
export function freshControlState(
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
 * reservations, releases, spend accounting and bucket writes without a version bump, so only a
 * period reset (which starts them afresh) may overwrite them; any other transition would undo those
 * writes.
 */
export function transitionFields(next: ControlState, withCounters: boolean): TransitionFields {
  const { level, periodKey, active, reversed } = next;
  if (!withCounters) return { level, periodKey, active, reversed };
  const { reservedNano, headroomNano, seenNano, bucket } = next;
  return { level, periodKey, active, reversed, reservedNano, headroomNano, seenNano, bucket };
}

/** Rules newly reached on the way from the stored level to `target`, in the order of the rules. */
export function newlyReachedRules(
  item: ControlItem,
  spendNano: NanoUsd,
  target: ControlLevel,
): ControlRule[] {
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

/**
 * Applies every rule that `spendNano` newly reaches, one audit entry each (by the system, at `at`),
 * honouring this period's reversals. Undefined when the level would not rise.
 */
export function applyReachedRules(
  item: ControlItem,
  spendNano: NanoUsd,
  at: string,
  nextId: ActionIdSource,
): ControlTransition | undefined {
  const target = nextLevelAfterReverse({
    spendNano,
    budgetNano: item.budgetNano,
    rules: item.rules,
    reversedActions: item.state.reversed,
  });
  if (rank(target.level) <= rank(item.state.level)) return undefined;
  const records: ControlActionRecord[] = [];
  let state: ControlState = item.state;
  for (const rule of newlyReachedRules(item, spendNano, target.level)) {
    const reason = `Spend ${toUsd(spendNano)} USD is ${percentText(spendNano, item.budgetNano)} % of the ${item.period} budget ${toUsd(item.budgetNano)} USD (rule at ${rule.atPercent} %).`;
    const level = ACTION_LEVEL[rule.action];
    const record = auditEntry(item, {
      actionId: nextId(records.length),
      type: 'apply',
      action: rule.action,
      at,
      actor: SYSTEM_ACTOR,
      reason,
      before: levelSnapshot(state),
      after: levelSnapshot({ level, active: { ...state.active, [rule.action]: {} } }),
      periodKey: state.periodKey,
      spendNano,
    });
    const active: ActiveAction = { actionId: record.actionId, action: rule.action, appliedAt: at, reason };
    state = { ...state, level, active: { ...state.active, [rule.action]: active } };
    records.push(record);
  }
  return { next: { ...state, level: target.level }, records };
}

/** The audit entry of a return to normal by the service itself (new period, replaced configuration). */
function resetEntry(
  item: ControlItem,
  reason: string,
  fields: {
    before: Pick<ControlState, 'level' | 'active'>;
    after: Pick<ControlState, 'level' | 'active'>;
    periodKey: string;
    spendNano: NanoUsd;
    at: string;
    actionId: string;
  },
): ControlActionRecord {
  return auditEntry(item, {
    actionId: fields.actionId,
    type: 'reset',
    action: null,
    at: fields.at,
    actor: SYSTEM_ACTOR,
    reason,
    before: levelSnapshot(fields.before),
    after: levelSnapshot(fields.after),
    periodKey: fields.periodKey,
    spendNano: fields.spendNano,
  });
}

/**
 * Moves a state into a new period: a fresh state with the period's spend, audited when a level,
 * an action or a reversal ends with it.
 */
export function resetForPeriod(
  item: ControlItem,
  periodKey: string,
  spendNano: NanoUsd,
  at: string,
  nextId: ActionIdSource,
): ControlTransition {
  const next = freshControlState(item.budgetNano, periodKey, spendNano, item.state.version + 1);
  const eventful =
    item.state.level !== 'normal' ||
    item.state.reversed.length > 0 ||
    Object.keys(item.state.active).length > 0;
  const records = eventful
    ? [
        resetEntry(
          item,
          `New ${item.period} period ${periodKey} (was ${item.state.periodKey}): the level returns to normal.`,
          { before: item.state, after: next, periodKey, spendNano, at, actionId: nextId(0) },
        ),
      ]
    : [];
  return { next, records };
}

/**
 * A configuration that replaces `existing` (or is the first): its period state starts afresh but
 * keeps the reservations still open in the same period; a level in force ends with it, audited.
 */
export function replaceConfiguration(
  settings: ControlSettings,
  existing: ControlItem | undefined,
  periodKey: string,
  spendNano: NanoUsd,
  at: string,
  nextId: ActionIdSource,
): { item: ControlItem; records: ControlActionRecord[] } {
  const openNano = existing?.state.periodKey === periodKey ? (existing.state.reservedNano ?? 0) : 0;
  const version = (existing?.state.version ?? 0) + 1;
  const item: ControlItem = {
    ...settings,
    state: freshControlState(settings.budgetNano, periodKey, spendNano, version, openNano),
  };
  const records =
    existing && existing.state.level !== 'normal'
      ? [
          resetEntry(
            item,
            'The configuration was replaced: the level returns to normal and is evaluated again.',
            {
              before: existing.state,
              after: item.state,
              periodKey,
              spendNano,
              at,
              actionId: nextId(0),
            },
          ),
        ]
      : [];
  return { item, records };
}

/**
 * Reverses the applied `action` of entry `actionId`. When it is still in force, it joins the
 * reversals of the period and the level is recomputed with `nextLevelAfterReverse` (actions above
 * the new level end with it); otherwise (an earlier period's action) the state stays as it is. The
 * reverse entry is recorded either way.
 */
export function reverseTransition(
  item: ControlItem,
  reversal: { actionId: string; action: ControlAction; actor: string; reason: string },
  spendNano: NanoUsd,
  at: string,
  nextId: ActionIdSource,
): { next: ControlState; record: ControlActionRecord } {
  const { actionId, action } = reversal;
  let next: ControlState = item.state;
  if (item.state.active[action]?.actionId === actionId) {
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
  const record = auditEntry(item, {
    actionId: nextId(0),
    type: 'reverse',
    action,
    at,
    actor: reversal.actor,
    reason: reversal.reason,
    before: levelSnapshot(item.state),
    after: levelSnapshot(next),
    periodKey: item.state.periodKey,
    spendNano,
    reversesActionId: actionId,
  });
  return { next, record };
}

/** The actions in force, least severe first. */
export function activeActionsBySeverity(state: Pick<ControlState, 'active'>): ActiveAction[] {
  return Object.values(state.active)
    .filter((a): a is ActiveAction => a !== undefined)
    .sort((a, b) => rank(ACTION_LEVEL[a.action]) - rank(ACTION_LEVEL[b.action]));
}
