import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { identityForKey, type KeyIdentity, type Keyring, keyringFromHashes } from './api-keys.js';
import { KEY_HASH_PATTERN, parseKeyMap, readKeyEntry } from './key-secret.js';
import { logger } from './logger.js';
import { unlistedTenantsUsageKey, usageIdentifierKey } from './tenant-limits.js';

export interface AuthorizerOptions {
  client: SecretsManagerClient;
  /**
   * ARN or name of the secret holding `{ "<sha256 hex of the key>": "<tenant>" }`, or, for a key
   * with a role or an expiry, `{ "<sha256 hex>": { "tenant", "role"?, "name"?, "createdAt"?,
   * "expiresAt"? } }` (`key-secret.ts`; `npm run keys` edits it).
   */
  secretId: string;
  /** How long the key hashes are kept before the secret is read again. */
  cacheSeconds: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /**
   * The tenants with an API Gateway usage key of their own (`USAGE_PLAN_TENANTS`). When set, an
   * allowed caller's answer carries `usageIdentifierKey`: its tenant's key, or the key the unlisted
   * tenants share, so API Gateway applies the tenant's usage plan. Unset: no usage key.
   */
  usagePlanTenants?: readonly string[];
}

export type TokenAuthorizer = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/** A stored value as the keyring holds it; anything `readKeyEntry` refuses is undefined. */
function identityOf(value: unknown): KeyIdentity | undefined {
  const entry = readKeyEntry(value);
  if (!entry) return undefined;
  return {
    tenantId: entry.tenant,
    role: entry.role,
    ...(entry.expiresAt !== undefined ? { expiresAtMs: Date.parse(entry.expiresAt) } : {}),
  };
}

/**
 * Parses the secret's JSON into a keyring. A secret that is not a JSON object fails loudly;
 * single entries that are not a SHA-256 hex hash mapped to a valid tenant id (or to a tenant and a
 * role) are skipped
 * (and counted in the log), so one bad edit cannot lock every tenant out.
 */
export function parseKeySecret(secretString: string | undefined): { keyring: Keyring; skipped: number } {
  const parsed = parseKeyMap(secretString);
  const entries: Record<string, string | KeyIdentity> = {};
  let skipped = 0;
  for (const [hash, value] of Object.entries(parsed)) {
    const identity = identityOf(value);
    if (KEY_HASH_PATTERN.test(hash) && identity) {
      entries[hash] = identity;
    } else {
      skipped += 1;
    }
  }
  return { keyring: keyringFromHashes(entries), skipped };
}

/**
 * The policy for one caller: `Allow` on every method of the calling API's stage (API Gateway
 * caches the answer per key and reuses it across routes), or `Deny` when the key is unknown.
 * The context carries the tenant and the key's role; each route checks the role itself.
 */
export function authorizerPolicy(
  methodArn: string,
  tenantId: string | undefined,
  role: string = 'admin',
  keyId?: string,
  usageKey?: string,
): APIGatewayAuthorizerResult {
  const [arnAndApi = '', stage = '*'] = methodArn.split('/');
  return {
    principalId: tenantId ?? 'anonymous',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: tenantId ? 'Allow' : 'Deny',
          Resource: `${arnAndApi}/${stage}/*`,
        },
      ],
    },
    ...(tenantId ? { context: { tenantId, role, ...(keyId ? { keyId } : {}) } } : {}),
    ...(tenantId && usageKey ? { usageIdentifierKey: usageKey } : {}),
  };
}

/** After a failed refresh, the keys already loaded serve this long before the next attempt. */
export const REFRESH_RETRY_MS = 30_000;

/**
 * A TOKEN authorizer over the key hashes in Secrets Manager. With `usagePlanTenants`, an allowed
 * answer names the tenant's usage key (see {@link usageIdentifierKey}) for API Gateway's per-tenant
 * usage plans. The secret is read on the first
 * call and again once `cacheSeconds` have passed; if a refresh fails, the keys already known
 * keep working and the read is retried after `REFRESH_RETRY_MS`. Unknown or missing keys get a
 * `Deny` policy, which the API answers with 401 UNAUTHORIZED (a rejected key is not a
 * function error, so it does not trip the error alarm).
 */
export function createAuthorizer(options: AuthorizerOptions): TokenAuthorizer {
  const now = options.now ?? Date.now;
  const listed = options.usagePlanTenants ? new Set(options.usagePlanTenants) : undefined;
  let cached: { keyring: Keyring; refreshAt: number } | undefined;

  async function load(): Promise<Keyring> {
    const output = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
    const { keyring, skipped } = parseKeySecret(output.SecretString);
    if (skipped > 0) logger.warn('API key secret has entries that are not hash-to-tenant pairs', { skipped });
    cached = { keyring, refreshAt: now() + options.cacheSeconds * 1000 };
    return keyring;
  }

  async function keyring(): Promise<Keyring> {
    if (!cached) return load();
    if (now() < cached.refreshAt) return cached.keyring;
    try {
      return await load();
    } catch (error) {
      logger.warn('could not refresh the API key secret; using the keys already loaded', {
        error: error as Error,
      });
      cached.refreshAt = now() + REFRESH_RETRY_MS;
      return cached.keyring;
    }
  }

  return async (event) => {
    // Expiry is checked against the clock on every call: a rotated key stops at its `expiresAt`
    // (plus API Gateway's cache of this answer), not only when the secret is next read.
    const identity = identityForKey(await keyring(), event.authorizationToken, now());
    let usageKey: string | undefined;
    if (identity && listed) {
      const stage = event.methodArn.split('/')[1] ?? '';
      if (listed.has(identity.tenantId)) usageKey = usageIdentifierKey(stage, identity.tenantId);
      else {
        // Served, but within the budget all unlisted tenants share: add it to tenantLimits.tenants.
        logger.warn("tenant has no usage key of its own; it shares the unlisted tenants' rate limit", {
          tenantId: identity.tenantId,
        });
        usageKey = unlistedTenantsUsageKey(stage);
      }
    }
    return authorizerPolicy(event.methodArn, identity?.tenantId, identity?.role, identity?.keyId, usageKey);
  };
}
