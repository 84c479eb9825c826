import * as z from 'zod/mini';
import {
  hasAtMostNineDecimals,
  Id,
  ModelIdInput,
  RedactedFields,
  TokenCount,
  UsdAmount,
  UsdOut,
  UserId,
} from './primitives.js';

export const CONTROL_LEVEL_NAMES = ['normal', 'light', 'moderate', 'severe', 'shutdown'] as const;
export const CONTROL_ACTION_NAMES = [
  'throttle_light',
  'throttle_moderate',
  'throttle_severe',
  'shutdown',
] as const;
export const CHECK_DECISIONS = ['allow', 'downgrade', 'throttle', 'cache_only', 'deny'] as const;

export const ControlLevelName = z.enum(CONTROL_LEVEL_NAMES);

/**
 * `POST /auto-control/init`: creates or replaces a user's cost-control configuration. Budgets
 * count spend per UTC calendar period (day, ISO week or month). Omitted rules, downgrade map and
 * rate limit take the service defaults; their meaning is checked after parsing (400 naming the field).
 */
export const AutoControlInitRequest = z.strictObject({
  userId: UserId,
  enabled: z._default(z.boolean(), true),
  budgetUsd: UsdAmount,
  period: z._default(z.enum(['daily', 'weekly', 'monthly']), 'monthly'),
  rules: z.optional(
    z
      .array(
        z.strictObject({
          atPercent: z.number().check(z.refine(hasAtMostNineDecimals, 'must not have more than 9 decimals')),
          action: z.enum(CONTROL_ACTION_NAMES),
        }),
      )
      .check(z.maxLength(10)),
  ),
  downgradeMap: z.optional(z.record(ModelIdInput, ModelIdInput)),
  maxRequestsPerMinute: z.optional(z.int()),
  hardLimit: z._default(z.boolean(), false),
});
export type AutoControlInitRequest = z.input<typeof AutoControlInitRequest>;

export const AutoControlConfigResponse = z.object({
  userId: z.string(),
  enabled: z.boolean(),
  budgetUsd: UsdOut,
  period: z.enum(['daily', 'weekly', 'monthly']),
  timezone: z.literal('UTC'),
  rules: z.array(z.object({ atPercent: z.number(), action: z.enum(CONTROL_ACTION_NAMES) })),
  downgradeMap: z.record(z.string(), z.string()),
  maxRequestsPerMinute: z.int(),
  hardLimit: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  level: ControlLevelName,
});

const ActiveAction = z.object({
  actionId: z.string(),
  action: z.enum(CONTROL_ACTION_NAMES),
  appliedAt: z.string(),
  reason: z.string(),
  reversible: z.boolean(),
});

export const AutoControlStatusResponse = z.object({
  userId: z.string(),
  enabled: z.boolean(),
  level: ControlLevelName,
  spendUsd: UsdOut,
  budgetUsd: UsdOut,
  percentUsed: z.number(),
  period: z.enum(['daily', 'weekly', 'monthly']),
  periodKey: z.string(),
  periodEnd: z.string(),
  hardLimit: z.boolean(),
  reservedUsd: UsdOut,
  activeActions: z.array(ActiveAction),
  effective: z.object({
    maxRequestsPerMinute: z.nullable(z.int()),
    modelSubstitutions: z.record(z.string(), z.string()),
    cacheOnly: z.boolean(),
    blocked: z.boolean(),
  }),
});

export const ReverseActionRequest = z.strictObject({
  reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
  /** A free-text label only (e.g. a person's name), kept as `actorLabel`; the actor is the caller's key. */
  actor: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
});

/** Who did it: the caller's key (tenant and key id), and the label the caller gave, if any. */
const ActorIdentity = z.object({
  tenantId: z.string(),
  keyId: z.nullable(z.string()),
  label: z.nullable(z.string()),
});

const LevelSnapshot = z.object({ level: ControlLevelName, activeActions: z.array(z.string()) });

export const ControlActionEntry = z.object({
  actionId: z.string(),
  userId: z.string(),
  type: z.enum(['apply', 'reverse', 'reset']),
  action: z.nullable(z.enum(CONTROL_ACTION_NAMES)),
  at: z.string(),
  actor: z.string(),
  reason: z.string(),
  periodKey: z.string(),
  spendUsd: UsdOut,
  budgetUsd: UsdOut,
  before: LevelSnapshot,
  after: LevelSnapshot,
  reversedAt: z.nullable(z.string()),
  reversedBy: z.nullable(z.string()),
  reversesActionId: z.nullable(z.string()),
  /** On entries written for a caller (reverses): the caller's tenant and key id, and its free-text label. */
  actorTenantId: z.optional(z.string()),
  actorKeyId: z.optional(z.string()),
  actorLabel: z.optional(z.string()),
});

export const ReverseActionResponse = z.extend(ControlActionEntry, {
  reversedAt: z.string(),
  /** The level after the reverse. */
  level: ControlLevelName,
  /** The audit entry of the reverse itself. */
  reverseActionId: z.string(),
  /** Identity of the caller who reversed (the audit entry's `actor` is `key:<keyId>`). */
  reversedByActor: z.optional(ActorIdentity),
  /** `reason` and `actor` when personal data was taken out of them. */
  redacted: RedactedFields,
});

export const ControlActionsQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(500)), 100),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

/** Newest first; `nextCursor` pages on to older entries (null on the last page). */
export const ControlActionsResponse = z.object({
  items: z.array(ControlActionEntry),
  nextCursor: z.nullable(z.string()),
});

/** `POST /check`: asked before each model call. `requestId` keys a hard-budget reservation. */
export const CheckRequest = z.strictObject({
  userId: UserId,
  modelId: ModelIdInput,
  estimatedInputTokens: z._default(TokenCount, 0),
  estimatedOutputTokens: z._default(TokenCount, 0),
  requestId: z.optional(Id),
});
export type CheckRequest = z.input<typeof CheckRequest>;

export const CheckResponse = z.object({
  decision: z.enum(CHECK_DECISIONS),
  modelId: z.string(),
  level: ControlLevelName,
  retryAfterMs: z.int(),
  reason: z.string(),
  requestId: z.string(),
  reservedUsd: z.optional(UsdOut),
});
