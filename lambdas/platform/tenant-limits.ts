import { TENANT_ID_PATTERN } from './api-keys.js';
import { sha256Hex } from './canonical-json.js';

/**
 * Request rate limits per tenant: one place for the defaults that the deployed API (API Gateway
 * usage plans, lib/api-stack.ts) and the local runtime (a token bucket per tenant,
 * local/tenant-rate-limiter.ts) both enforce, and the one parser of their setting (the CDK
 * context value `tenantLimits`, the local `TENANT_LIMITS`).
 */

/** Steady requests per second, and how many may arrive at once above that (the bucket's size). */
export interface RateLimit {
  rateLimit: number;
  burstLimit: number;
}

export interface TenantLimits {
  /** The limit of every tenant without an override. */
  default: RateLimit;
  /** Tenants with a limit of their own. */
  overrides: Readonly<Record<string, RateLimit>>;
  /**
   * Tenants that get a usage plan and key of their own on the deployed API (as do those with an
   * override); any other tenant shares one default-sized budget with the other unlisted tenants.
   */
  tenants: readonly string[];
}

/** A tenant's limit unless configured: 20 requests per second, 40 at once. */
export const DEFAULT_TENANT_LIMIT: RateLimit = { rateLimit: 20, burstLimit: 40 };
/** The whole stage (every tenant and the open routes together). */
export const DEFAULT_STAGE_LIMIT: RateLimit = { rateLimit: 500, burstLimit: 1000 };
/** The open liveness check, over all callers: enough for uptime monitors, far below the stage's. */
export const HEALTH_LIMIT: RateLimit = { rateLimit: 5, burstLimit: 10 };
export const DEFAULT_TENANT_LIMITS: TenantLimits = {
  default: DEFAULT_TENANT_LIMIT,
  overrides: {},
  tenants: [],
};

/** API Gateway's account-level defaults per region: no stage or tenant limit can be higher. */
export const MAX_RATE_LIMIT = 10_000;
export const MAX_BURST_LIMIT = 5_000;
/**
 * Every named tenant has a usage plan of its own; an account has 300 usage plans per region by
 * default, shared with every other API there.
 */
export const MAX_NAMED_TENANTS = 200;
/** The authorizer learns the tenants with a usage key of their own from one environment variable (Lambda allows 4 KB in all). */
export const MAX_USAGE_TENANTS_JSON = 3_000;

/** Environment variable of the authorizer: JSON array of the tenants with a usage key of their own. */
export const USAGE_PLAN_TENANTS_ENV = 'USAGE_PLAN_TENANTS';

const USAGE_KEY_PREFIX = 'tenant-usage-';

/**
 * The API Gateway API key that identifies a tenant to its usage plan on one stage: derived from the
 * stage and the tenant id alone, so the authorizer (which reads the stage from the method ARN) and
 * the CDK compute the same value without sharing state. It is not a secret and no client ever sends
 * it: the authorizer returns it as `usageIdentifierKey` after checking the caller's real key. The
 * stage is part of it because key values are unique in an account and region; 20 to 128
 * characters, as API Gateway requires.
 */
export function usageIdentifierKey(stage: string, tenantId: string): string {
  return `${USAGE_KEY_PREFIX}${stage}-${tenantId}-${sha256Hex(`${stage}\n${tenantId}`).slice(0, 8)}`;
}

/**
 * The usage key that tenants not named in the configuration share on a stage (no tenant id can
 * produce it: ids never start with `_`). Their requests are served within one default-sized budget
 * instead of being refused until an operator adds them.
 */
export function unlistedTenantsUsageKey(stage: string): string {
  return `${USAGE_KEY_PREFIX}${stage}-_unlisted-tenants`;
}

/** Every tenant with a usage key of its own: the `tenants` list and the overrides, sorted, once each. */
export function tenantsWithUsageKeys(limits: TenantLimits): string[] {
  return [...new Set([...limits.tenants, ...Object.keys(limits.overrides)])].sort();
}

/** The limit that applies to a tenant. */
export function limitOf(limits: TenantLimits, tenantId: string): RateLimit {
  return Object.hasOwn(limits.overrides, tenantId)
    ? (limits.overrides[tenantId] as RateLimit)
    : limits.default;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks `{ rateLimit, burstLimit }`; `at` names the value in the error (`tenantLimits.default`). */
export function parseRateLimit(value: unknown, at: string): RateLimit {
  if (!isRecord(value)) throw new Error(`${at} must be an object { "rateLimit": …, "burstLimit": … }.`);
  const unknown = Object.keys(value).filter((k) => k !== 'rateLimit' && k !== 'burstLimit');
  if (unknown.length > 0)
    throw new Error(`${at} has unknown field '${unknown[0]}'; expected only rateLimit and burstLimit.`);
  const { rateLimit, burstLimit } = value;
  if (
    typeof rateLimit !== 'number' ||
    !Number.isFinite(rateLimit) ||
    rateLimit <= 0 ||
    rateLimit > MAX_RATE_LIMIT
  )
    throw new Error(
      `${at}.rateLimit is ${JSON.stringify(rateLimit)}, expected requests per second above 0 and at most ${MAX_RATE_LIMIT}.`,
    );
  if (
    typeof burstLimit !== 'number' ||
    !Number.isInteger(burstLimit) ||
    burstLimit < 1 ||
    burstLimit > MAX_BURST_LIMIT
  )
    throw new Error(
      `${at}.burstLimit is ${JSON.stringify(burstLimit)}, expected a whole number of requests from 1 to ${MAX_BURST_LIMIT}.`,
    );
  return { rateLimit, burstLimit };
}

function checkedTenant(tenant: unknown, at: string): string {
  if (typeof tenant !== 'string' || !TENANT_ID_PATTERN.test(tenant))
    throw new Error(
      `${at} names tenant ${JSON.stringify(tenant)}, expected a tenant id (1–63 letters, digits and -, starting with a letter or digit).`,
    );
  return tenant;
}

/**
 * Parses the limits setting: a JSON object (or its text) with optional `default`, `overrides`
 * (`{ "<tenant>": { rateLimit, burstLimit } }`) and `tenants` (a list of tenant ids). Missing parts
 * take the defaults. `name` is the setting's name in the errors (`tenantLimits`, `TENANT_LIMITS`).
 */
export function parseTenantLimits(input: unknown, name: string): TenantLimits {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new Error(`${name} is not valid JSON.`);
    }
  }
  if (!isRecord(value))
    throw new Error(
      `${name} must be a JSON object { "default": { "rateLimit": 20, "burstLimit": 40 }, "overrides": { "<tenant>": {…} }, "tenants": ["<tenant>"] }.`,
    );
  const unknown = Object.keys(value).filter((k) => !['default', 'overrides', 'tenants'].includes(k));
  if (unknown.length > 0)
    throw new Error(`${name} has unknown field '${unknown[0]}'; expected default, overrides and tenants.`);
  const fallback =
    value.default === undefined ? DEFAULT_TENANT_LIMIT : parseRateLimit(value.default, `${name}.default`);
  const overrides: Record<string, RateLimit> = {};
  if (value.overrides !== undefined) {
    if (!isRecord(value.overrides))
      throw new Error(`${name}.overrides must be an object of tenant id → { rateLimit, burstLimit }.`);
    for (const [tenant, limit] of Object.entries(value.overrides)) {
      checkedTenant(tenant, `${name}.overrides`);
      overrides[tenant] = parseRateLimit(limit, `${name}.overrides.${tenant}`);
    }
  }
  let tenants: string[] = [];
  if (value.tenants !== undefined) {
    if (!Array.isArray(value.tenants)) throw new Error(`${name}.tenants must be a list of tenant ids.`);
    tenants = value.tenants.map((t, i) => checkedTenant(t, `${name}.tenants[${i}]`));
  }
  const limits: TenantLimits = { default: fallback, overrides, tenants: [...new Set(tenants)] };
  const named = tenantsWithUsageKeys(limits).length;
  if (named > MAX_NAMED_TENANTS)
    throw new Error(
      `${name} names ${named} tenants (tenants and overrides); at most ${MAX_NAMED_TENANTS}, each is a usage plan.`,
    );
  if (JSON.stringify(tenantsWithUsageKeys(limits)).length > MAX_USAGE_TENANTS_JSON)
    throw new Error(
      `${name} names too many tenants: the list of tenants with a usage key of their own must stay under ${MAX_USAGE_TENANTS_JSON} characters of JSON.`,
    );
  return limits;
}

/** Refuses tenant limits that the stage's own limit would cut off before they are reached. */
export function checkWithinStage(limits: TenantLimits, stage: RateLimit, name: string): void {
  const all: [string, RateLimit][] = [
    [`${name}.default`, limits.default],
    ...Object.entries(limits.overrides).map(([t, l]): [string, RateLimit] => [`${name}.overrides.${t}`, l]),
  ];
  for (const [at, limit] of all) {
    if (limit.rateLimit > stage.rateLimit || limit.burstLimit > stage.burstLimit)
      throw new Error(
        `${at} (${limit.rateLimit}/s, burst ${limit.burstLimit}) is above the stage's limit (${stage.rateLimit}/s, burst ${stage.burstLimit}); raise stageLimit or lower the tenant's.`,
      );
  }
}
