import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROL_RULES } from '../src/control-policy.js';
import {
  type ActionIdSource,
  activeActionsBySeverity,
  applyReachedRules,
  type ControlItem,
  type ControlSettings,
  freshControlState,
  levelSnapshot,
  newlyReachedRules,
  replaceConfiguration,
  resetForPeriod,
  reverseTransition,
  SYSTEM_ACTOR,
  transitionFields,
} from '../src/control-transitions.js';

const USD = 1_000_000_000;
const BUDGET = 10 * USD;
const AT = '2026-11-23T10:00:00.000Z';

/** Ids `id-0`, `id-1` … in the order they are asked for, with the sequence each was asked with. */
function ids(): ActionIdSource & { asked: number[] } {
  let n = 0;
  const asked: number[] = [];
  const source = (sequence: number) => {
    asked.push(sequence);
    return `id-${n++}`;
  };
  return Object.assign(source, { asked });
}

const settings = (overrides: Partial<ControlSettings> = {}): ControlSettings => ({
  userId: 'u1',
  enabled: true,
  budgetNano: BUDGET,
  period: 'monthly',
  rules: [...DEFAULT_CONTROL_RULES],
  downgradeMap: {},
  maxRequestsPerMinute: 30,
  hardLimit: false,
  createdAt: AT,
  updatedAt: AT,
  ...overrides,
});

const item = (
  state: Partial<ControlItem['state']> = {},
  overrides: Partial<ControlSettings> = {},
): ControlItem => ({
  ...settings(overrides),
  state: { ...freshControlState(BUDGET, '2026-11', 0, 1), ...state },
});

describe('freshControlState', () => {
  it('starts normal with the headroom left by spend and open reservations', () => {
    expect(freshControlState(BUDGET, '2026-11', 2 * USD, 3, USD)).toEqual({
      level: 'normal',
      periodKey: '2026-11',
      active: {},
      reversed: [],
      reservedNano: USD,
      headroomNano: 7 * USD,
      seenNano: 2 * USD,
      bucket: null,
      version: 3,
    });
  });

  it('holds no reservations unless told', () => {
    expect(freshControlState(BUDGET, '2026-11', 0, 1)).toMatchObject({
      reservedNano: 0,
      headroomNano: BUDGET,
    });
  });
});

describe('transitionFields', () => {
  const state = freshControlState(BUDGET, '2026-11', USD, 2);

  it('leaves the counters and the bucket alone by default', () => {
    expect(transitionFields(state, false)).toEqual({
      level: 'normal',
      periodKey: '2026-11',
      active: {},
      reversed: [],
    });
  });

  it('writes the counters and the bucket with a period reset', () => {
    expect(transitionFields(state, true)).toEqual({
      level: 'normal',
      periodKey: '2026-11',
      active: {},
      reversed: [],
      reservedNano: 0,
      headroomNano: 9 * USD,
      seenNano: USD,
      bucket: null,
    });
  });
});

describe('applyReachedRules', () => {
  it('applies every rule reached on the way up, in order, one audited entry each', () => {
    const nextId = ids();
    const result = applyReachedRules(item(), 12 * USD, AT, nextId);
    expect(result?.next.level).toBe('severe');
    expect(result?.records.map((r) => [r.actionId, r.action, r.before.level, r.after.level])).toEqual([
      ['id-0', 'throttle_light', 'normal', 'light'],
      ['id-1', 'throttle_moderate', 'light', 'moderate'],
      ['id-2', 'throttle_severe', 'moderate', 'severe'],
    ]);
    expect(nextId.asked).toEqual([0, 1, 2]);
    expect(result?.records[2]).toMatchObject({
      type: 'apply',
      actor: SYSTEM_ACTOR,
      at: AT,
      userId: 'u1',
      periodKey: '2026-11',
      spendNano: 12 * USD,
      budgetNano: BUDGET,
      reversedAt: null,
      reversedBy: null,
      reversesActionId: null,
      reason: 'Spend 12 USD is 120.0 % of the monthly budget 10 USD (rule at 120 %).',
    });
    expect(result?.records[2]?.after.activeActions).toEqual([
      'throttle_light',
      'throttle_moderate',
      'throttle_severe',
    ]);
    expect(result?.next.active.throttle_moderate).toEqual({
      actionId: 'id-1',
      action: 'throttle_moderate',
      appliedAt: AT,
      reason: 'Spend 12 USD is 120.0 % of the monthly budget 10 USD (rule at 100 %).',
    });
  });

  it('is undefined when the level would not rise', () => {
    expect(applyReachedRules(item(), USD, AT, ids())).toBeUndefined();
    const light = item({ level: 'light' });
    expect(applyReachedRules(light, 8 * USD, AT, ids())).toBeUndefined();
  });

  it('does not apply a reversed action again, only the next rule', () => {
    const reversed = item({ reversed: ['throttle_light'] });
    expect(applyReachedRules(reversed, 9 * USD, AT, ids())).toBeUndefined();
    const result = applyReachedRules(reversed, 10 * USD, AT, ids());
    expect(result?.records.map((r) => r.action)).toEqual(['throttle_moderate']);
    expect(result?.next.level).toBe('moderate');
  });

  it('keeps the counters and version it was given', () => {
    const base = item({ version: 7, headroomNano: 5, reservedNano: 3, seenNano: 2 });
    expect(applyReachedRules(base, 8 * USD, AT, ids())?.next).toMatchObject({
      version: 7,
      headroomNano: 5,
      reservedNano: 3,
      seenNano: 2,
    });
  });
});

describe('newlyReachedRules', () => {
  it('skips rules already in force and rules above the target', () => {
    const active = {
      throttle_light: { actionId: 'a', action: 'throttle_light' as const, appliedAt: AT, reason: 'r' },
    };
    const base = item({ level: 'light', active });
    expect(newlyReachedRules(base, 15 * USD, 'moderate').map((r) => r.action)).toEqual(['throttle_moderate']);
    expect(newlyReachedRules(item(), 15 * USD, 'normal')).toEqual([]);
  });
});

describe('resetForPeriod', () => {
  it('starts the new period afresh, audited when a level ends', () => {
    const applied = applyReachedRules(item({ version: 4 }), 15 * USD, AT, ids());
    const stale = item({ ...applied?.next, version: 4 });
    const nextId = ids();
    const { next, records } = resetForPeriod(stale, '2026-12', USD, AT, nextId);
    expect(next).toEqual(freshControlState(BUDGET, '2026-12', USD, 5));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      actionId: 'id-0',
      type: 'reset',
      action: null,
      actor: SYSTEM_ACTOR,
      periodKey: '2026-12',
      spendNano: USD,
      before: { level: 'shutdown' },
      after: { level: 'normal', activeActions: [] },
      reason: 'New monthly period 2026-12 (was 2026-11): the level returns to normal.',
    });
    expect(nextId.asked).toEqual([0]);
  });

  it('records nothing when nothing was in force', () => {
    expect(resetForPeriod(item(), '2026-12', 0, AT, ids()).records).toEqual([]);
  });

  it('records the end of a reversal even at level normal', () => {
    const reversed = item({ reversed: ['throttle_light'] });
    expect(resetForPeriod(reversed, '2026-12', 0, AT, ids()).records).toHaveLength(1);
  });

  it('records the end of an action in force even at level normal', () => {
    const active = {
      throttle_light: { actionId: 'a', action: 'throttle_light' as const, appliedAt: AT, reason: 'r' },
    };
    expect(resetForPeriod(item({ active }), '2026-12', 0, AT, ids()).records).toHaveLength(1);
  });
});

describe('replaceConfiguration', () => {
  it('creates the first state at version 1, unaudited', () => {
    const { item: created, records } = replaceConfiguration(settings(), undefined, '2026-11', USD, AT, ids());
    expect(created.state).toEqual(freshControlState(BUDGET, '2026-11', USD, 1));
    expect(created.userId).toBe('u1');
    expect(records).toEqual([]);
  });

  it('keeps the open reservations of the same period and audits the end of a level', () => {
    const existing = item({ level: 'moderate', reservedNano: 2 * USD, version: 6 });
    const { item: replaced, records } = replaceConfiguration(
      settings({ budgetNano: 20 * USD }),
      existing,
      '2026-11',
      USD,
      AT,
      ids(),
    );
    expect(replaced.state).toMatchObject({
      level: 'normal',
      version: 7,
      reservedNano: 2 * USD,
      headroomNano: 17 * USD,
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      type: 'reset',
      budgetNano: 20 * USD,
      before: { level: 'moderate' },
      after: { level: 'normal' },
      reason: 'The configuration was replaced: the level returns to normal and is evaluated again.',
    });
  });

  it('drops reservations of another period and records nothing at level normal', () => {
    const existing = item({ periodKey: '2026-10', reservedNano: 2 * USD });
    const { item: replaced, records } = replaceConfiguration(settings(), existing, '2026-11', 0, AT, ids());
    expect(replaced.state.reservedNano).toBe(0);
    expect(records).toEqual([]);
  });

  it('treats a state stored without a reserved sum as holding none', () => {
    const existing = item();
    const legacy = {
      ...existing,
      state: { ...existing.state, reservedNano: undefined as unknown as number },
    };
    const { item: replaced } = replaceConfiguration(settings(), legacy, '2026-11', 0, AT, ids());
    expect(replaced.state.reservedNano).toBe(0);
  });
});

describe('reverseTransition', () => {
  const applied = () => {
    const base = item();
    const result = applyReachedRules(base, 11 * USD, AT, ids());
    return { ...base, state: result?.next ?? base.state };
  };

  it('reverses an action in force and recomputes the level', () => {
    const current = applied();
    const { next, record } = reverseTransition(
      current,
      { actionId: 'id-1', action: 'throttle_moderate', actor: 'ops', reason: 'approved' },
      11 * USD,
      AT,
      () => 'rev-1',
    );
    expect(next.level).toBe('light');
    expect(next.reversed).toEqual(['throttle_moderate']);
    expect(Object.keys(next.active)).toEqual(['throttle_light']);
    expect(record).toMatchObject({
      actionId: 'rev-1',
      type: 'reverse',
      action: 'throttle_moderate',
      actor: 'ops',
      reason: 'approved',
      reversesActionId: 'id-1',
      before: { level: 'moderate' },
      after: { level: 'light', activeActions: ['throttle_light'] },
    });
  });

  it('ends the actions above the new level with it', () => {
    const current = applied();
    const { next } = reverseTransition(
      current,
      { actionId: 'id-0', action: 'throttle_light', actor: 'ops', reason: 'r' },
      11 * USD,
      AT,
      () => 'rev',
    );
    expect(next.level).toBe('moderate');
    expect(Object.keys(next.active)).toEqual(['throttle_moderate']);
  });

  it('only records the reverse of an action no longer in force', () => {
    const current = applied();
    const { next, record } = reverseTransition(
      current,
      { actionId: 'old', action: 'throttle_light', actor: 'ops', reason: 'late' },
      11 * USD,
      AT,
      () => 'rev',
    );
    expect(next).toBe(current.state);
    expect(record.before).toEqual(record.after);
  });
});

describe('levelSnapshot and activeActionsBySeverity', () => {
  it('lists the actions in force, least severe first', () => {
    const state = applyReachedRules(item(), 16 * USD, AT, ids())?.next ?? item().state;
    const shuffled = {
      shutdown: state.active.shutdown,
      throttle_light: state.active.throttle_light,
      throttle_severe: state.active.throttle_severe,
      throttle_moderate: state.active.throttle_moderate,
    };
    expect(activeActionsBySeverity({ active: shuffled }).map((a) => a.action)).toEqual([
      'throttle_light',
      'throttle_moderate',
      'throttle_severe',
      'shutdown',
    ]);
    expect(levelSnapshot(state)).toEqual({
      level: 'shutdown',
      activeActions: ['throttle_light', 'throttle_moderate', 'throttle_severe', 'shutdown'],
    });
  });
});
