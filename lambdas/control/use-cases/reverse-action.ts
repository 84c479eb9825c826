import {
  type ControlActionRecord,
  type ControlLevel,
  redactFields,
  reverseTransition,
  transitionFields,
} from '@cost-management/core';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import type { AuditLog } from '../../privacy/ports/audit-log.js';
import { actionIdsAt } from '../action-id.js';
import { invalidateControl } from '../control-cache.js';
import type { ControlDeps } from './control-deps.js';
import { MAX_ATTEMPTS, pauseBeforeRetry, refreshControl } from './refresh-control.js';

/** Who reverses: the authenticated key (its tenant and key id), never a value of the body. */
export interface Caller {
  tenantId: string;
  keyId?: string;
}

/** An audit entry with the caller's identity; `actorLabel` is the free-text label of the body. */
export type AuditedRecord = ControlActionRecord & {
  actorTenantId?: string;
  actorKeyId?: string;
  actorLabel?: string;
};

/** The audit actor of a caller: `key:<key id>`, or `tenant:<tenant>` where no key id is known. */
export const actorOf = (caller: Caller): string =>
  caller.keyId ? `key:${caller.keyId}` : `tenant:${caller.tenantId}`;

export interface ReversedAction {
  /** The applied entry, as marked reversed. */
  reversed: ControlActionRecord;
  /** The audit entry of the reverse itself, with the caller's identity. */
  reverse: AuditedRecord;
  /** The level after the reverse. */
  level: ControlLevel;
  /** The request fields whose personal data was replaced (`reason`, `actor`). */
  redacted: string[];
}

/**
 * Reverses an applied action: marks it reversed (once: a second reverse is a `ConflictError`),
 * records who and why, and recomputes the level with `nextLevelAfterReverse`, so the action is not
 * applied again in this period unless spend reaches a further rule. An action of a past period is
 * only marked: its period's state was already reset.
 */
export async function reverseAction(
  deps: ControlDeps & { audit?: AuditLog },
  tenantId: string,
  actionId: string,
  request: { caller: Caller; label?: string | undefined; reason: string },
  now: Date,
): Promise<ReversedAction> {
  // The reason and the label are free text: redacted before they reach the audit trail.
  const { value: text, redacted } = redactFields(
    { reason: request.reason, ...(request.label ? { actor: request.label } : {}) },
    ['reason', 'actor'],
  );
  const applied = await deps.actions.getAction(tenantId, actionId);
  if (!applied) throw new NotFoundError(`Control action '${actionId}' does not exist.`);
  if (applied.type !== 'apply' || applied.action === null) {
    throw new ConflictError(
      `Control action '${actionId}' is a ${applied.type} entry; only applied actions can be reversed.`,
    );
  }
  if (applied.reversedAt !== null)
    throw new ConflictError(`Control action '${actionId}' was already reversed.`);
  const reversal = {
    actionId,
    action: applied.action,
    actor: actorOf(request.caller),
    reason: text.reason,
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await pauseBeforeRetry(attempt);
    const fresh = await refreshControl(deps, tenantId, applied.userId, now);
    if (!fresh) throw new NotFoundError(`Control action '${actionId}' does not exist.`);
    const { item, spendNano } = fresh;
    const { next, record: bare } = reverseTransition(
      item,
      reversal,
      spendNano,
      now.toISOString(),
      actionIdsAt(now),
    );
    const record: AuditedRecord = {
      ...bare,
      actorTenantId: request.caller.tenantId,
      ...(request.caller.keyId ? { actorKeyId: request.caller.keyId } : {}),
      ...(text.actor ? { actorLabel: text.actor } : {}),
    };
    // The caller's change, audited in the same transaction as the reverse.
    const audit = await deps.audit?.prepare(
      {
        actor: { tenant: request.caller.tenantId, keyId: request.caller.keyId ?? null },
        action: 'control.reverse',
        target: actionId,
        before: { userId: item.userId, action: applied.action, level: item.state.level, reversedAt: null },
        after: { userId: item.userId, level: next.level, reversedAt: record.at, reason: text.reason },
      },
      now,
    );
    const outcome = await deps.store.transition(tenantId, {
      userId: item.userId,
      expectedVersion: item.state.version,
      next: transitionFields(next, false),
      records: [record],
      markReversed: { actionId, reversedAt: record.at, reversedBy: reversal.actor },
      ...(audit ? { audit } : {}),
    });
    invalidateControl(tenantId, item.userId);
    if (outcome === 'already-reversed')
      throw new ConflictError(`Control action '${actionId}' was already reversed.`);
    if (outcome === 'written') {
      return {
        reversed: { ...applied, reversedAt: record.at, reversedBy: reversal.actor },
        reverse: record,
        level: next.level,
        redacted,
      };
    }
  }
  throw new ConflictError('The control state kept changing; retry the reverse.');
}
