import type { Node } from 'constructs';
import {
  checkWithinStage,
  DEFAULT_STAGE_LIMIT,
  DEFAULT_TENANT_LIMITS,
  parseRateLimit,
  parseTenantLimits,
  type RateLimit,
  type TenantLimits,
} from '../lambdas/platform/tenant-limits.js';
import { type CaptureConfig, readCaptureConfig } from './capture-config.js';

/** Deployment settings, read from CDK context (`cdk.json` or `-c key=value`). */
export interface ServiceConfig {
  /** Stage name, part of every stack name: `dev`, `prod`, … */
  stage: string;
  /** Sender (From address) of alert emails. */
  senderEmail: string;
  /**
   * The SES identity that covers `senderEmail`: the address itself (default) or its domain. The
   * sending grant names `arn:<partition>:ses:<region>:<account>:identity/<senderIdentity>`.
   */
  senderIdentity?: string;
  /**
   * Whether the alerting stack creates the SES identity (default true; AWS then mails a
   * verification link to the address). False to use an identity that exists already, e.g. one
   * shared by several stages of the account.
   */
  createSenderIdentity?: boolean;
  /**
   * The account is in the SES sandbox: recipients must be verified identities, and the sending
   * functions are also allowed `ses:SendEmail` on those, only with `senderEmail` as From address.
   */
  sesSandbox?: boolean;
  /** Phone number (E.164) subscribed by SMS to the emergency topic. */
  alertPhone?: string;
  /** Email address subscribed to the alerts topic, which receives the operational alarms. Required outside dev. */
  alarmEmail?: string;
  /** Prefix of the physical table names (`dev` → `dev_bedrock_token_usage`); empty for none. */
  tablePrefix: string;
  /** Capture of Bedrock invocation logs and reconciliation with the bill (see lib/capture-config.ts). */
  capture?: CaptureConfig;
  /**
   * The URL people open the web console at, when not the distribution's own `https://…cloudfront.net/`
   * (a domain of your own in front of it): alert links use it, and the API answers its origin with CORS.
   */
  consoleUrl?: string;
  /**
   * `tenantLimits`: each tenant's request rate (API Gateway usage plans): a default, overrides per
   * tenant, and the tenants that get a usage key of their own. Unset: 20/s, burst 40, for all.
   */
  tenantLimits?: TenantLimits;
  /** `stageLimit`: the whole stage's request rate (default 500/s, burst 1000). */
  stageLimit?: RateLimit;
  /** `wafRateLimit`: requests per 5 minutes per client IP above which a WAF web ACL blocks; unset: no WAF. */
  wafRateLimit?: number;
}

const STAGE = /^[a-z][a-z0-9-]{0,19}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+[1-9]\d{6,14}$/;
const TABLE_PREFIX = /^[A-Za-z0-9_.-]{0,32}$/;

/** The stage where placeholder addresses and a missing alarm email are accepted. */
export const DEV_STAGE = 'dev';

/**
 * Domains reserved for documentation and testing (RFC 2606, RFC 6761, RFC 6762): mail to them
 * never arrives, so a sender or alarm address there is a placeholder left in place.
 */
const PLACEHOLDER_DOMAINS = ['example.com', 'example.net', 'example.org'];
const PLACEHOLDER_TLDS = ['example', 'test', 'invalid', 'localhost', 'local'];

/** True for an address (or domain) under a reserved documentation or testing domain. */
export function isPlaceholderAddress(address: string): boolean {
  const domain = (address.includes('@') ? address.slice(address.lastIndexOf('@') + 1) : address)
    .toLowerCase()
    .replace(/\.$/, '');
  const tld = domain.slice(domain.lastIndexOf('.') + 1);
  return (
    PLACEHOLDER_TLDS.includes(tld) ||
    PLACEHOLDER_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`))
  );
}

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`Context value '${key}' must be a string.`);
  return value.trim();
}

/** A boolean context value: `true`/`false` in cdk.json or the strings of `-c key=true`. */
function flag(node: Node, key: string, fallback: boolean): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context value '${key}' is '${String(value)}', expected true or false.`);
}

/** A context value that is a JSON object: written as one in cdk.json, or as JSON text with `-c`. */
function jsonValue(node: Node, key: string): unknown {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new Error(`Context value '${key}' is not valid JSON.`);
  }
}

/** The smallest and largest limit AWS WAF accepts for a rate-based rule (requests per 5 minutes). */
export const WAF_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 };

function wafRateLimitOf(node: Node): number | undefined {
  const value: unknown = node.tryGetContext('wafRateLimit');
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < WAF_RATE_LIMIT_RANGE.min || n > WAF_RATE_LIMIT_RANGE.max)
    throw new Error(
      `Context value 'wafRateLimit' is '${String(value)}', expected requests per 5 minutes per client IP, a whole number from ${WAF_RATE_LIMIT_RANGE.min} to ${WAF_RATE_LIMIT_RANGE.max}.`,
    );
  return n;
}

/** Reads `stageLimit` and `tenantLimits`, each tenant's limit within the stage's. */
function limitsOf(node: Node): { stageLimit?: RateLimit; tenantLimits?: TenantLimits } {
  const parsed = <T>(key: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new Error(`Context value '${key}' is invalid: ${(error as Error).message}`);
    }
  };
  const stageValue = jsonValue(node, 'stageLimit');
  const stageLimit =
    stageValue === undefined
      ? undefined
      : parsed('stageLimit', () => parseRateLimit(stageValue, 'stageLimit'));
  const tenantValue = jsonValue(node, 'tenantLimits');
  const tenantLimits =
    tenantValue === undefined
      ? undefined
      : parsed('tenantLimits', () => parseTenantLimits(tenantValue, 'tenantLimits'));
  parsed('tenantLimits', () =>
    checkWithinStage(
      tenantLimits ?? DEFAULT_TENANT_LIMITS,
      stageLimit ?? DEFAULT_STAGE_LIMIT,
      'tenantLimits',
    ),
  );
  return { ...(stageLimit ? { stageLimit } : {}), ...(tenantLimits ? { tenantLimits } : {}) };
}

function checked(key: string, value: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) throw new Error(`Context value '${key}' is '${value}', expected ${expected}.`);
  return value;
}

/** An https URL without query or fragment (alert links append `#/users/…`). */
function checkedConsoleUrl(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const plain =
    url && url.protocol === 'https:' && !url.search && !url.hash && !url.username && !url.password;
  if (!plain)
    throw new Error(
      `Context value 'consoleUrl' is '${value}', expected an https URL without query or fragment (https://console.example.com/).`,
    );
}

function notPlaceholder(key: string, value: string, stage: string): string {
  if (stage !== DEV_STAGE && isPlaceholderAddress(value))
    throw new Error(
      `Context value '${key}' is '${value}', a placeholder address where mail never arrives; ` +
        `stage '${stage}' needs a real address (-c ${key}=…). Only stage '${DEV_STAGE}' accepts placeholders.`,
    );
  return value;
}

/**
 * Reads and checks the service settings from context. `stage` defaults to `dev`; the table
 * prefix defaults to the stage, so two stages can share an account (`-c tablePrefix=` for the
 * bare seed names). Outside dev, placeholder addresses are refused and `alarmEmail` is required.
 */
export function readConfig(node: Node): ServiceConfig {
  const stage = checked('stage', text(node, 'stage') || DEV_STAGE, STAGE, 'lower-case letters, digits and -');
  const rawSender = text(node, 'senderEmail');
  if (!rawSender)
    throw new Error("Context value 'senderEmail' is required (the SES sender of alert emails).");
  const senderEmail = notPlaceholder(
    'senderEmail',
    checked('senderEmail', rawSender, EMAIL, 'an email address'),
    stage,
  );
  const identity = text(node, 'senderIdentity');
  const senderDomain = senderEmail.slice(senderEmail.lastIndexOf('@') + 1);
  if (identity && identity !== senderEmail && identity.toLowerCase() !== senderDomain.toLowerCase())
    throw new Error(
      `Context value 'senderIdentity' is '${identity}', expected the sender address '${senderEmail}' or its domain '${senderDomain}'.`,
    );
  const alertPhone = text(node, 'alertPhone');
  const alarmEmail = text(node, 'alarmEmail');
  if (!alarmEmail && stage !== DEV_STAGE)
    throw new Error(
      `Context value 'alarmEmail' is required for stage '${stage}': without it the operational alarms notify nobody.`,
    );
  const tablePrefix = text(node, 'tablePrefix') ?? stage;
  const consoleUrl = text(node, 'consoleUrl');
  if (consoleUrl) checkedConsoleUrl(consoleUrl);
  const createSenderIdentity = flag(node, 'createSenderIdentity', true);
  const sesSandbox = flag(node, 'sesSandbox', false);
  const capture = readCaptureConfig(node);
  const limits = limitsOf(node);
  const wafRateLimit = wafRateLimitOf(node);
  return {
    stage,
    senderEmail,
    ...(identity && identity !== senderEmail ? { senderIdentity: identity } : {}),
    ...(createSenderIdentity ? {} : { createSenderIdentity }),
    ...(sesSandbox ? { sesSandbox } : {}),
    ...(alertPhone ? { alertPhone: checked('alertPhone', alertPhone, PHONE, 'an E.164 phone number') } : {}),
    ...(alarmEmail
      ? {
          alarmEmail: notPlaceholder(
            'alarmEmail',
            checked('alarmEmail', alarmEmail, EMAIL, 'an email address'),
            stage,
          ),
        }
      : {}),
    tablePrefix: checked('tablePrefix', tablePrefix, TABLE_PREFIX, 'up to 32 of A-Z a-z 0-9 _ . -'),
    ...(capture ? { capture } : {}),
    ...(consoleUrl ? { consoleUrl } : {}),
    ...limits,
    ...(wafRateLimit !== undefined ? { wafRateLimit } : {}),
  };
}
