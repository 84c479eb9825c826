import { type ErrorDetail, ValidationError } from './errors.js';
import { type NanoUsd, nano } from './money.js';
import { reachesPercent } from './thresholds.js';

/** Control levels in ascending severity. */
export type ControlLevel = 'normal' | 'light' | 'moderate' | 'severe' | 'shutdown';

export const CONTROL_LEVELS: readonly ControlLevel[] = ['normal', 'light', 'moderate', 'severe', 'shutdown'];

/** What a rule does when spend reaches it; each action sets one level. */
export type ControlAction = 'throttle_light' | 'throttle_moderate' | 'throttle_severe' | 'shutdown';

export const CONTROL_ACTIONS: readonly ControlAction[] = [
  'throttle_light',
  'throttle_moderate',
  'throttle_severe',
  'shutdown',
];

export const ACTION_LEVEL: Readonly<Record<ControlAction, Exclude<ControlLevel, 'normal'>>> = {
  throttle_light: 'light',
  throttle_moderate: 'moderate',
  throttle_severe: 'severe',
  shutdown: 'shutdown',
};

export interface ControlRule {
  /** Percentage of the budget at which the rule applies, in (0, 1000]. */
  atPercent: number;
  action: ControlAction;
}

export const DEFAULT_CONTROL_RULES: readonly ControlRule[] = [
  { atPercent: 80, action: 'throttle_light' },
  { atPercent: 100, action: 'throttle_moderate' },
  { atPercent: 120, action: 'throttle_severe' },
  { atPercent: 150, action: 'shutdown' },
];

/**
 * Each model to its next cheaper model of the same family (Opus → Sonnet → Haiku), by canonical
 * Bedrock model id. A substitution moves ONE step: at `moderate` an Opus request goes to Sonnet, not
 * on to Haiku, and a Sonnet request goes to Haiku. Haiku models have no substitute.
 */
export const DEFAULT_DOWNGRADE_MAP: Readonly<Record<string, string>> = {
  'anthropic.claude-opus-4-5-20251101-v1:0': 'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'anthropic.claude-sonnet-4-5-20250929-v1:0': 'anthropic.claude-haiku-4-5-20251001-v1:0',
  'anthropic.claude-opus-4-1-20250805-v1:0': 'anthropic.claude-sonnet-4-20250514-v1:0',
  'anthropic.claude-opus-4-20250514-v1:0': 'anthropic.claude-sonnet-4-20250514-v1:0',
  'anthropic.claude-sonnet-4-20250514-v1:0': 'anthropic.claude-3-5-haiku-20241022-v1:0',
  'anthropic.claude-3-7-sonnet-20250219-v1:0': 'anthropic.claude-3-5-haiku-20241022-v1:0',
  'anthropic.claude-3-opus-20240229-v1:0': 'anthropic.claude-3-5-sonnet-20241022-v2:0',
  'anthropic.claude-3-5-sonnet-20241022-v2:0': 'anthropic.claude-3-5-haiku-20241022-v1:0',
  'anthropic.claude-3-5-sonnet-20240620-v1:0': 'anthropic.claude-3-haiku-20240307-v1:0',
};

/** Requests per minute allowed from `light` on, unless configured otherwise. */
export const DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE = 30;
export const MAX_REQUESTS_PER_MINUTE_LIMIT = 100_000;
export const MAX_RULE_PERCENT = 1000;

export interface ControlConfig {
  budgetNano: NanoUsd;
  rules: readonly ControlRule[];
  downgradeMap: Readonly<Record<string, string>>;
  /** Rate limit from `light` on; default {@link DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE}. */
  maxRequestsPerMinute?: number;
}

function levelRank(level: ControlLevel): number {
  return CONTROL_LEVELS.indexOf(level);
}

function validateRules(rules: unknown, details: ErrorDetail[]): void {
  if (!Array.isArray(rules) || rules.length === 0) {
    details.push({ path: 'rules', message: 'must be a non-empty list of rules' });
    return;
  }
  let previousPercent: number | null = null;
  let previousAction: number | null = null;
  const seen = new Set<ControlAction>();
  rules.forEach((rule: Partial<ControlRule> | null, i) => {
    const { atPercent, action } = rule ?? {};
    if (typeof atPercent !== 'number' || !(atPercent > 0 && atPercent <= MAX_RULE_PERCENT)) {
      details.push({
        path: `rules[${i}].atPercent`,
        message: `must be greater than 0 and at most ${MAX_RULE_PERCENT}`,
      });
    } else {
      if (previousPercent !== null && atPercent <= previousPercent) {
        details.push({ path: `rules[${i}].atPercent`, message: 'must be greater than the previous rule' });
      }
      previousPercent = atPercent;
    }
    const rank = CONTROL_ACTIONS.indexOf(action as ControlAction);
    if (rank < 0) {
      details.push({ path: `rules[${i}].action`, message: `must be one of ${CONTROL_ACTIONS.join(', ')}` });
      return;
    }
    if (seen.has(action as ControlAction)) {
      details.push({ path: `rules[${i}].action`, message: `'${action}' appears more than once` });
    } else if (previousAction !== null && rank < previousAction) {
      details.push({ path: `rules[${i}].action`, message: 'must be more severe than the previous rule' });
    }
    seen.add(action as ControlAction);
    previousAction = rank;
  });
}

function validateDowngradeMap(map: unknown, details: ErrorDetail[]): void {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    details.push({ path: 'downgradeMap', message: 'must be an object of model id to cheaper model id' });
    return;
  }
  const entries = Object.entries(map as Record<string, unknown>);
  const valid = new Map<string, string>();
  for (const [from, to] of entries) {
    const path = `downgradeMap.${from}`;
    if (from.length === 0 || typeof to !== 'string' || to.length === 0) {
      details.push({ path, message: 'model ids must be non-empty strings' });
    } else if (from === to) {
      details.push({ path, message: 'a model cannot be downgraded to itself' });
    } else {
      valid.set(from, to);
    }
  }
  for (const start of valid.keys()) {
    const visited = new Set([start]);
    let current = valid.get(start);
    while (current !== undefined && !visited.has(current)) {
      visited.add(current);
      current = valid.get(current);
    }
    if (current === start) {
      details.push({ path: `downgradeMap.${start}`, message: 'downgrades form a cycle' });
    }
  }
}

/**
 * Validates an auto-control configuration and throws one `ValidationError` with a detail per bad
 * field (paths as in the API: `budgetUsd`, `rules[i].atPercent`, `rules[i].action`,
 * `downgradeMap.<model>`, `maxRequestsPerMinute`):
 * - the budget is a whole, positive nano-USD amount;
 * - rules are non-empty, each `atPercent` in (0, 1000], strictly increasing by `atPercent`, with
 *   actions strictly escalating and none repeated;
 * - the downgrade map has string keys and values, no model mapped to itself and no cycle. Whether the
 *   models exist in the catalog is for the caller to check;
 * - `maxRequestsPerMinute`, when given, is a whole number from 1 to 100 000.
 */
export function validateControlConfig(config: ControlConfig): void {
  const details: ErrorDetail[] = [];
  if (!Number.isSafeInteger(config.budgetNano) || config.budgetNano <= 0) {
    details.push({ path: 'budgetUsd', message: 'must be greater than 0' });
  }
  validateRules(config.rules, details);
  validateDowngradeMap(config.downgradeMap, details);
  const rpm = config.maxRequestsPerMinute;
  if (rpm !== undefined && (!Number.isInteger(rpm) || rpm < 1 || rpm > MAX_REQUESTS_PER_MINUTE_LIMIT)) {
    details.push({
      path: 'maxRequestsPerMinute',
      message: `must be a whole number from 1 to ${MAX_REQUESTS_PER_MINUTE_LIMIT}`,
    });
  }
  if (details.length > 0) throw new ValidationError('invalid auto-control configuration', details);
}

export interface SpendLevel {
  level: ControlLevel;
  /** spend / budget × 100, a float for display. */
  percentUsed: number;
  /** The rule that set the level, or null at `normal`. */
  rule: ControlRule | null;
}

/** The most severe of the rules reached (exactly: `spend × 100 >= budget × atPercent`). */
function mostSevereReached(
  spendNano: NanoUsd,
  budgetNano: NanoUsd,
  rules: readonly ControlRule[],
  skip: ReadonlySet<ControlAction>,
): ControlRule | null {
  let match: ControlRule | null = null;
  for (const rule of rules) {
    if (skip.has(rule.action) || !reachesPercent(spendNano, budgetNano, rule.atPercent)) continue;
    if (match === null || levelRank(ACTION_LEVEL[rule.action]) > levelRank(ACTION_LEVEL[match.action])) {
      match = rule;
    }
  }
  return match;
}

function spendLevel(spendNano: NanoUsd, budgetNano: NanoUsd, rule: ControlRule | null): SpendLevel {
  return {
    level: rule === null ? 'normal' : ACTION_LEVEL[rule.action],
    percentUsed: (nano(spendNano) / nano(budgetNano)) * 100,
    rule,
  };
}

/**
 * The control level for a period's spend: the most severe rule whose `atPercent` is reached,
 * compared exactly (`spend × 100 >= budget × atPercent`); `normal` when none is.
 */
export function levelForSpend(
  spendNano: NanoUsd,
  budgetNano: NanoUsd,
  rules: readonly ControlRule[],
): SpendLevel {
  return spendLevel(spendNano, budgetNano, mostSevereReached(spendNano, budgetNano, rules, new Set()));
}

export interface ReverseAwareLevel extends SpendLevel {
  /** Rules reached but not applied because their action was reversed in this period. */
  suppressed: ControlRule[];
}

/**
 * The level to apply once a person has reversed actions in the current period.
 * A reversed action is not applied again in the same period, however far spend rises within its
 * rule; only crossing the NEXT rule (a more severe action that has not been reversed) changes the
 * level again. Precisely: the level is that of the most severe reached rule whose action is not in
 * `reversedActions`; reversing an action suppresses only that action, so a lower reached rule that was
 * not reversed still applies (reversing `throttle_moderate` at 110 % leaves `throttle_light` in force
 * unless that was reversed too). Pass only the reversals of the current period: a new period starts
 * clean.
 */
export function nextLevelAfterReverse(input: {
  spendNano: NanoUsd;
  budgetNano: NanoUsd;
  rules: readonly ControlRule[];
  reversedActions: Iterable<ControlAction>;
}): ReverseAwareLevel {
  const { spendNano, budgetNano, rules } = input;
  const reversed = new Set(input.reversedActions);
  const rule = mostSevereReached(spendNano, budgetNano, rules, reversed);
  const suppressed = rules.filter(
    (r) => reversed.has(r.action) && reachesPercent(spendNano, budgetNano, r.atPercent),
  );
  return { ...spendLevel(spendNano, budgetNano, rule), suppressed };
}

export interface EffectiveLimits {
  /** Requests per minute, null when unlimited, 0 at `shutdown`. */
  maxRequestsPerMinute: number | null;
  /** Model id → the model to call instead (one step down the downgrade map). */
  modelSubstitutions: Record<string, string>;
  cacheOnly: boolean;
  blocked: boolean;
}

/**
 * What a level allows. Each level keeps the restrictions of the ones below it:
 * - `normal`: nothing;
 * - `light`: the rate limit, same models;
 * - `moderate`: the rate limit and the model substitutions;
 * - `severe`: as `moderate`, and answers only from cache;
 * - `shutdown`: everything blocked (rate 0, no substitutions, no cache answers).
 */
export function effectiveLimits(
  level: ControlLevel,
  config: Pick<ControlConfig, 'downgradeMap' | 'maxRequestsPerMinute'>,
): EffectiveLimits {
  const rank = levelRank(level);
  if (level === 'shutdown') {
    return { maxRequestsPerMinute: 0, modelSubstitutions: {}, cacheOnly: false, blocked: true };
  }
  return {
    maxRequestsPerMinute:
      rank >= levelRank('light')
        ? (config.maxRequestsPerMinute ?? DEFAULT_LIGHT_MAX_REQUESTS_PER_MINUTE)
        : null,
    modelSubstitutions: rank >= levelRank('moderate') ? { ...config.downgradeMap } : {},
    cacheOnly: rank >= levelRank('severe'),
    blocked: false,
  };
}

/** A token bucket's stored state: tokens left (may be fractional) and when they were counted. */
export interface TokenBucket {
  tokens: number;
  updatedAtMs: number;
}

export interface TokenResult {
  allowed: boolean;
  /** The state to store (also when not allowed: the refill was counted). */
  bucket: TokenBucket;
  /** 0 when allowed; otherwise milliseconds until a whole token is available. */
  retryAfterMs: number;
}

/**
 * Takes one token from a bucket of capacity `perMinute` that refills continuously at `perMinute`
 * tokens per minute. A missing bucket starts full. A clock that goes back does not refill.
 * Throws a `ValidationError` when `perMinute` is not positive.
 */
export function takeToken(bucket: TokenBucket | null, nowMs: number, perMinute: number): TokenResult {
  if (!(perMinute > 0) || !Number.isFinite(perMinute)) {
    throw new ValidationError('invalid rate limit', [
      { path: 'maxRequestsPerMinute', message: 'must be greater than 0' },
    ]);
  }
  const perMs = perMinute / 60_000;
  const since = bucket ? Math.max(0, nowMs - bucket.updatedAtMs) : 0;
  const updatedAtMs = bucket ? Math.max(nowMs, bucket.updatedAtMs) : nowMs;
  const tokens = bucket ? Math.min(perMinute, bucket.tokens + since * perMs) : perMinute;
  if (tokens >= 1) {
    return { allowed: true, bucket: { tokens: tokens - 1, updatedAtMs }, retryAfterMs: 0 };
  }
  return {
    allowed: false,
    bucket: { tokens, updatedAtMs },
    retryAfterMs: Math.ceil((1 - tokens) / perMs),
  };
}

export type CheckDecision = 'allow' | 'downgrade' | 'throttle' | 'cache_only' | 'deny';

export interface CheckInput {
  level: ControlLevel;
  limits: EffectiveLimits;
  /** Canonical model id the caller wants to use. */
  modelId: string;
  /** The caller's `takeToken` result when `limits.maxRequestsPerMinute` is a positive number. */
  bucket?: TokenResult;
  /** Milliseconds until the period (and with it a shutdown) ends; `retryAfterMs` of a denial. */
  periodResetInMs?: number;
}

export interface CheckResult {
  decision: CheckDecision;
  /** The model to call: the substitute for `downgrade` (and `cache_only` when one exists), else the one asked for. */
  modelId: string;
  retryAfterMs: number;
  reason: string;
}

/**
 * Decides a `POST /check`, first match wins:
 * 1. blocked (`shutdown`) → `deny`, `retryAfterMs` = `periodResetInMs` (default 0);
 * 2. cache only (`severe`) → `cache_only`;
 * 3. a rate limit is in force and the bucket refused → `throttle` with its `retryAfterMs`;
 * 4. a substitution exists for the model (`moderate` and up) → `downgrade` to it;
 * 5. otherwise → `allow` with the model asked for.
 * The HTTP layer: `limits = effectiveLimits(level, config)`; when `limits.maxRequestsPerMinute` is a
 * positive number, `bucket = takeToken(stored, now, limits.maxRequestsPerMinute)` (store
 * `bucket.bucket`); then answer `decideCheck({ level, limits, modelId, bucket })`.
 */
export function decideCheck(input: CheckInput): CheckResult {
  const { level, limits, modelId, bucket } = input;
  const substitute = Object.hasOwn(limits.modelSubstitutions, modelId)
    ? limits.modelSubstitutions[modelId]
    : undefined;
  if (limits.blocked) {
    return {
      decision: 'deny',
      modelId,
      retryAfterMs: Math.max(0, Math.ceil(input.periodResetInMs ?? 0)),
      reason: `Spend reached the shutdown rule (level ${level}): every request is denied until the period ends or the action is reversed.`,
    };
  }
  if (limits.cacheOnly) {
    return {
      decision: 'cache_only',
      modelId: substitute ?? modelId,
      retryAfterMs: 0,
      reason: `Spend reached the severe rule (level ${level}): answer from cache only.`,
    };
  }
  if (limits.maxRequestsPerMinute !== null && bucket !== undefined && !bucket.allowed) {
    return {
      decision: 'throttle',
      modelId,
      retryAfterMs: bucket.retryAfterMs,
      reason: `Rate limited to ${limits.maxRequestsPerMinute} requests per minute (level ${level}).`,
    };
  }
  if (substitute !== undefined) {
    return {
      decision: 'downgrade',
      modelId: substitute,
      retryAfterMs: 0,
      reason: `Requests move to a cheaper model (level ${level}): ${modelId} → ${substitute}.`,
    };
  }
  return {
    decision: 'allow',
    modelId,
    retryAfterMs: 0,
    reason: level === 'normal' ? 'Within budget.' : `Allowed under cost control (level ${level}).`,
  };
}
