import { randomBytes } from 'node:crypto';
import type { ActionIdSource } from '@cost-management/core';

let lastIdMs = 0;

/**
 * Time-ordered, unique action ids (usable in a path). Within a process they strictly increase, so
 * entries written in the same millisecond (a reset and the rules applied after it) keep their order.
 */
export function newActionId(now: Date, sequence = 0): string {
  lastIdMs = Math.max(now.getTime(), lastIdMs + 1);
  return `${lastIdMs.toString(36).padStart(9, '0')}${sequence.toString(36)}${randomBytes(6).toString('hex')}`;
}

/** The ids of the audit entries of one transition made at `now`. */
export const actionIdsAt =
  (now: Date): ActionIdSource =>
  (sequence) =>
    newActionId(now, sequence);
