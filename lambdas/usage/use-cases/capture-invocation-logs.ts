import { identityMapper, parseInvocationLog } from '@cost-management/core';
import { TENANT_ID_PATTERN } from '../../platform/api-keys.js';
import type { InvocationLogDelivery } from '../ports/invocation-log-delivery.js';
import { type ImportInvocationLogsDeps, importInvocationLogs } from './import-invocation-logs.js';

/**
 * The deployed capture of Bedrock model invocation logs (a CloudWatch Logs subscription or the
 * S3 delivery). It reads records with the same parser and records them through the same use case
 * as `POST /invocation-logs`; what it adds is the tenant, which comes from configuration — the
 * account (or IAM role) of the call mapped to a tenant — never from the log content alone.
 */

/** 12-digit AWS account id, or an IAM role / assumed-role ARN → tenant id. */
export type TenantMap = Readonly<Record<string, string>>;

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN =
  /^arn:aws[a-z-]*:(?:iam::\d{12}:role\/[^/]+(?:\/.*)?|sts::\d{12}:assumed-role\/[^/]+(?:\/[^/]+)?)$/;

/**
 * The tenant mapping as configuration writes it: a JSON object whose keys are account ids or
 * IAM role (or assumed-role) ARNs and whose values are tenant ids. Throws on anything else, so a
 * misconfigured function fails at cold start (and synthesis fails before that).
 */
export function parseTenantMap(text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the tenant map is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('the tenant map must be a JSON object of account id or role ARN → tenant id');
  }
  const map: Record<string, string> = {};
  for (const [key, tenant] of Object.entries(value)) {
    if (!ACCOUNT_ID.test(key) && !ROLE_ARN.test(key)) {
      throw new Error(
        `the tenant map key ${JSON.stringify(key)} is neither a 12-digit account id nor an IAM role ARN`,
      );
    }
    if (typeof tenant !== 'string' || !TENANT_ID_PATTERN.test(tenant)) {
      throw new Error(
        `the tenant map entry ${JSON.stringify(key)} must name a tenant id (letters, digits, -)`,
      );
    }
    map[key] = tenant;
  }
  return map;
}

/** The account entries of a tenant map: the accounts whose bill is reconciled, each with its tenant. */
export function accountTenants(map: TenantMap): { account: string; tenantId: string }[] {
  return Object.entries(map)
    .filter(([key]) => ACCOUNT_ID.test(key))
    .map(([account, tenantId]) => ({ account, tenantId }))
    .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
}

export type RouteFailure = 'account-missing' | 'account-mismatch' | 'account-not-mapped';

/**
 * Routes a record to its tenant: the caller's role (or session) when the map names it, else the
 * record's account. A record of another account than its delivery's, or of an account nobody
 * mapped, has no tenant.
 */
export function tenantRouter(
  map: TenantMap,
): (record: unknown, deliveryAccount: string | null) => { tenantId: string } | { failure: RouteFailure } {
  const roles = Object.fromEntries(Object.entries(map).filter(([key]) => !ACCOUNT_ID.test(key)));
  const tenantOfIdentity = identityMapper(roles);
  return (record, deliveryAccount) => {
    const fields = typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : {};
    const account = fields.accountId;
    if (typeof account !== 'string' || !ACCOUNT_ID.test(account)) return { failure: 'account-missing' };
    if (deliveryAccount !== null && account !== deliveryAccount) return { failure: 'account-mismatch' };
    const identity = fields.identity as { arn?: unknown } | undefined;
    const arn = typeof identity?.arn === 'string' ? identity.arn : undefined;
    // A role entry counts only for calls of its own account.
    const byRole = arn && arn.split(':')[4] === account ? tenantOfIdentity(arn) : undefined;
    const tenantId = byRole ?? (Object.hasOwn(map, account) ? map[account] : undefined);
    return tenantId ? { tenantId } : { failure: 'account-not-mapped' };
  };
}

export interface CaptureDeps extends ImportInvocationLogsDeps {
  tenants: TenantMap;
}

/** A record (or piece of a delivery) that was not counted, by where it was and why, never by content. */
export interface BadRecord {
  source: string;
  position: number;
  reason: string;
}

export interface CaptureSummary {
  deliveries: number;
  records: number;
  recorded: number;
  /** Records whose call was recorded before: reported through the API, or delivered twice. */
  duplicates: number;
  unattributed: number;
  /** Failed invocations, image and video models, embeddings without a token count: on purpose. */
  skipped: Record<string, number>;
  /** Records per tenant they were routed to. */
  tenants: Record<string, number>;
  /** Unreadable pieces, records the parser or the ingest refused, records without a tenant. */
  bad: BadRecord[];
}

const count = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * Captures the records of some deliveries: routes each to its tenant, then records each tenant's
 * records with {@link importInvocationLogs} (same parser, same idempotency keys as the API, so a
 * call already reported and a record delivered twice are each one event). Nothing about a bad
 * record stops the others; a store failure is thrown after nothing was acknowledged for its
 * batch, and a retry of the delivery answers what was recorded as duplicates.
 */
export async function captureInvocationLogs(
  deps: CaptureDeps,
  deliveries: readonly InvocationLogDelivery[],
  now: Date,
): Promise<CaptureSummary> {
  const summary: CaptureSummary = {
    deliveries: deliveries.length,
    records: 0,
    recorded: 0,
    duplicates: 0,
    unattributed: 0,
    skipped: {},
    tenants: {},
    bad: [],
  };
  const route = tenantRouter(deps.tenants);
  for (const delivery of deliveries) {
    const { source } = delivery;
    for (const piece of delivery.unreadable) summary.bad.push({ source, ...piece });
    summary.records += delivery.records.length;

    const byTenant = new Map<string, { position: number; record: unknown }[]>();
    delivery.records.forEach((record, position) => {
      const routed = route(record, delivery.account);
      if ('failure' in routed) {
        // A record nobody could read says so; a readable one names the routing failure.
        const parsed = parseInvocationLog(record);
        const reason = parsed.kind === 'rejected' ? parsed.reason : routed.failure;
        summary.bad.push({ source, position, reason });
        return;
      }
      const list = byTenant.get(routed.tenantId) ?? [];
      list.push({ position, record });
      byTenant.set(routed.tenantId, list);
    });

    for (const [tenantId, entries] of byTenant) {
      summary.tenants[tenantId] = (summary.tenants[tenantId] ?? 0) + entries.length;
      const result = await importInvocationLogs(
        deps,
        tenantId,
        entries.map((e) => e.record),
        now,
      );
      summary.recorded += result.recorded;
      summary.duplicates += result.duplicates;
      summary.unattributed += result.unattributed;
      for (const skip of result.skipped) count(summary.skipped, skip.reason);
      for (const rejected of result.rejected) {
        const position = entries[rejected.index]?.position ?? -1;
        const reason = 'message' in rejected ? rejected.message.split(':')[0] || 'rejected' : 'invalid-event';
        summary.bad.push({ source, position, reason });
      }
    }
  }
  return summary;
}

/** The bad records of a summary, counted per reason. */
export function badReasons(summary: CaptureSummary): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const bad of summary.bad) count(reasons, bad.reason);
  return reasons;
}
