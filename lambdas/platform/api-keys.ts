import { timingSafeEqual } from 'node:crypto';
import { ValidationError } from '@cost-management/core';
import { sha256Hex } from './canonical-json.js';

/** Tenant ids are short slugs; a leading underscore is reserved for service-owned partitions. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

/** API keys are kept only as SHA-256 hashes, each mapped to exactly one tenant. */
export interface Keyring {
  tenantByKeyHash: ReadonlyMap<string, string>;
}

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** Parses `tenantA:keyA,tenantB:keyB` (the local runtime's API_KEYS) into a keyring. */
export function parseApiKeys(spec: string | undefined): Keyring {
  const text = spec?.trim() ? spec : 'local:local-dev-key';
  const map = new Map<string, string>();
  for (const [index, pair] of text.split(',').entries()) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const colon = trimmed.indexOf(':');
    const tenant = trimmed.slice(0, colon);
    const key = trimmed.slice(colon + 1);
    if (colon <= 0 || !TENANT_ID_PATTERN.test(tenant) || key.length < 8) {
      // Name the entry by its tenant only when it has one: an entry without a colon may be a bare key.
      const entry =
        colon > 0 ? `the entry of tenant '${tenant.slice(0, 64)}'` : `entry ${index + 1} (no 'tenant:')`;
      throw new ValidationError(
        'API_KEYS must look like "tenantA:keyA,tenantB:keyB" (tenant: letters, digits, -; key: 8+ characters).',
        [{ path: 'API_KEYS', message: `bad ${entry}` }],
      );
    }
    const hash = hashApiKey(key);
    if (map.has(hash) && map.get(hash) !== tenant) {
      throw new ValidationError('API_KEYS gives one key to two tenants.', [
        { path: 'API_KEYS', message: 'duplicate key' },
      ]);
    }
    map.set(hash, tenant);
  }
  return { tenantByKeyHash: map };
}

/** Builds a keyring from stored `{ keyHash: tenant }` pairs (the deployed authorizer's secret). */
export function keyringFromHashes(entries: Record<string, string>): Keyring {
  return { tenantByKeyHash: new Map(Object.entries(entries)) };
}

/**
 * A stable, non-secret id of an API key for audit entries: the first 12 hex characters of its
 * SHA-256 hash (the hash the key store holds), so it can be told apart from the tenant's other keys
 * without revealing the key.
 */
export function keyIdOfHash(keyHash: string): string {
  return keyHash.slice(0, 12);
}

/** The caller an API key stands for: its tenant and key id; undefined for a missing or unknown key. */
export function callerForKey(
  keyring: Keyring,
  apiKey: string | undefined,
): { tenantId: string; keyId: string } | undefined {
  const tenantId = tenantForKey(keyring, apiKey);
  return tenantId && apiKey ? { tenantId, keyId: keyIdOfHash(hashApiKey(apiKey)) } : undefined;
}

/** The tenant of `apiKey`, or undefined. Compares hashes in constant time. */
export function tenantForKey(keyring: Keyring, apiKey: string | undefined): string | undefined {
  if (!apiKey || apiKey.length > 512) return undefined;
  const hash = hashApiKey(apiKey);
  for (const [known, tenant] of keyring.tenantByKeyHash) {
    if (timingSafeEqual(Buffer.from(known, 'hex'), Buffer.from(hash, 'hex'))) return tenant;
  }
  return undefined;
}
