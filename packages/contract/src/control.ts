import { z } from 'zod';
import {
  hasAtMostNineDecimals,
  Id,
  ModelIdInput,
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
export const AutoControlInitRequest = z
  .object({
    userId: UserId,
    enabled: z.boolean().default(true),
    budgetUsd: UsdAmount,
    period: z.enum(['daily', 'weekly', 'monthly']).default('monthly'),
    rules: z
      .array(
        z
          .object({
            atPercent: z.number().refine(hasAtMostNineDecimals, 'must not have more than 9 decimals'),
            action: z.enum(CONTROL_ACTION_NAMES),
          })
          .strict(),
      )
      .max(10)
      .optional(),
    downgradeMap: z.record(ModelIdInput, ModelIdInput).optional(),
    maxRequestsPerMinute: z.int().optional(),
    hardLimit: z.boolean().default(false),
  })
  .strict();
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
    maxRequestsPerMinute: z.int().nullable(),
    modelSubstitutions: z.record(z.string(), z.string()),
    cacheOnly: z.boolean(),
    blocked: z.boolean(),
  }),
});

export const ReverseActionRequest = z
  .object({
    reason: z.string().trim().min(1).max(500),
    actor: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

const LevelSnapshot = z.object({ level: ControlLevelName, activeActions: z.array(z.string()) });

export const ControlActionEntry = z.object({
  actionId: z.string(),
  userId: z.string(),
  type: z.enum(['apply', 'reverse', 'reset']),
  action: z.enum(CONTROL_ACTION_NAMES).nullable(),
  at: z.string(),
  actor: z.string(),
  reason: z.string(),
  periodKey: z.string(),
  spendUsd: UsdOut,
  budgetUsd: UsdOut,
  before: LevelSnapshot,
  after: LevelSnapshot,
  reversedAt: z.string().nullable(),
  reversedBy: z.string().nullable(),
  reversesActionId: z.string().nullable(),
});

export const ReverseActionResponse = ControlActionEntry.extend({
  reversedAt: z.string(),
  /** The level after the reverse. */
  level: ControlLevelName,
  /** The audit entry of the reverse itself. */
  reverseActionId: z.string(),
});

export const ControlActionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

/** Newest first; `nextCursor` pages on to older entries (null on the last page). */
export const ControlActionsResponse = z.object({
  items: z.array(ControlActionEntry),
  nextCursor: z.string().nullable(),
});

/** `POST /check`: asked before each model call. `requestId` keys a hard-budget reservation. */
export const CheckRequest = z
  .object({
    userId: UserId,
    modelId: ModelIdInput,
    estimatedInputTokens: TokenCount.default(0),
    estimatedOutputTokens: TokenCount.default(0),
    requestId: Id.optional(),
  })
  .strict();
export type CheckRequest = z.input<typeof CheckRequest>;

export const CheckResponse = z.object({
  decision: z.enum(CHECK_DECISIONS),
  modelId: z.string(),
  level: ControlLevelName,
  retryAfterMs: z.int(),
  reason: z.string(),
  requestId: z.string(),
  reservedUsd: UsdOut.optional(),
});
