import { timingSafeEqual } from 'node:crypto';
import { API_ROLES, type ApiRole } from '@cost-management/contract';
import { ValidationError } from '@cost-management/core';
import { sha256Hex } from './canonical-json.js';

/** Tenant ids are short slugs; a leading underscore is reserved for service-owned partitions. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

/** The role a key has when none is given. */
export const DEFAULT_ROLE: ApiRole = 'admin';

export function isApiRole(value: unknown): value is ApiRole {
  return typeof value === 'string' && (API_ROLES as readonly string[]).includes(value);
}

/** Who a key speaks for: its tenant and its role. */
export interface KeyIdentity {
  tenantId: string;
  role: ApiRole;
  /** Milliseconds since the epoch from which the key is refused (a rotated key after its overlap). */
  expiresAtMs?: number;
}

/** API keys are kept only as SHA-256 hashes, each mapped to exactly one tenant (and a role). */
export interface Keyring {
  tenantByKeyHash: ReadonlyMap<string, string>;
  /** The role of a key hash; a hash without an entry is `admin`. */
  roleByKeyHash?: ReadonlyMap<string, ApiRole>;
  /** When a key hash stops working (ms since the epoch); a hash without an entry never does. */
  expiresAtByKeyHash?: ReadonlyMap<string, number>;
}

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

const FORMAT_HELP =
  'API_KEYS must look like "tenantA:keyA,tenantB:keyB:viewer" (tenant: letters, digits, -; key: 8+ characters; optional role: admin, ingest or viewer).';

/** Parses `tenantA:keyA,tenantB:keyB:viewer` (the local runtime's API_KEYS) into a keyring. */
export function parseApiKeys(spec: string | undefined): Keyring {
  const text = spec?.trim() ? spec : 'local:local-dev-key';
  const map = new Map<string, string>();
  const roles = new Map<string, ApiRole>();
  for (const [index, pair] of text.split(',').entries()) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const colon = trimmed.indexOf(':');
    const tenant = trimmed.slice(0, colon);
    let key = trimmed.slice(colon + 1);
    let role: ApiRole = DEFAULT_ROLE;
    const last = key.lastIndexOf(':');
    // A third part must be a role: a mistyped role must not silently make an admin key.
    const badRole = last >= 0 && !isApiRole(key.slice(last + 1));
    if (last >= 0 && !badRole) {
      role = key.slice(last + 1) as ApiRole;
      key = key.slice(0, last);
    }
    if (colon <= 0 || !TENANT_ID_PATTERN.test(tenant) || key.length < 8 || badRole) {
      // Name the entry by its tenant only when it has one: an entry without a colon may be a bare key.
      const entry =
        colon > 0 ? `the entry of tenant '${tenant.slice(0, 64)}'` : `entry ${index + 1} (no 'tenant:')`;
      throw new ValidationError(FORMAT_HELP, [
        { path: 'API_KEYS', message: `bad ${entry}${badRole && colon > 0 ? ': unknown role' : ''}` },
      ]);
    }
    const hash = hashApiKey(key);
    if (map.has(hash) && map.get(hash) !== tenant) {
      throw new ValidationError('API_KEYS gives one key to two tenants.', [
        { path: 'API_KEYS', message: 'duplicate key' },
      ]);
    }
    if (roles.has(hash) && roles.get(hash) !== role) {
      throw new ValidationError('API_KEYS gives one key two roles.', [
        { path: 'API_KEYS', message: 'duplicate key' },
      ]);
    }
    map.set(hash, tenant);
    roles.set(hash, role);
  }
  return { tenantByKeyHash: map, roleByKeyHash: roles };
}

/** Builds a keyring from stored key hashes (the deployed authorizer's secret). */
export function keyringFromHashes(entries: Record<string, string | KeyIdentity>): Keyring {
  const tenants = new Map<string, string>();
  const roles = new Map<string, ApiRole>();
  const expiries = new Map<string, number>();
  for (const [hash, value] of Object.entries(entries)) {
    if (typeof value === 'string') {
      tenants.set(hash, value);
      roles.set(hash, DEFAULT_ROLE);
    } else {
      tenants.set(hash, value.tenantId);
      roles.set(hash, value.role);
      if (value.expiresAtMs !== undefined) expiries.set(hash, value.expiresAtMs);
    }
  }
  return { tenantByKeyHash: tenants, roleByKeyHash: roles, expiresAtByKeyHash: expiries };
}

/**
 * A stable, non-secret id of an API key for audit entries: the first 12 hex characters of its
 * SHA-256 hash (the hash the key store holds), so it can be told apart from the tenant's other keys
 * without revealing the key.
 */
export function keyIdOfHash(keyHash: string): string {
  return keyHash.slice(0, 12);
}

/**
 * The caller an API key stands for: its tenant, role and key id. Compares hashes in constant time.
 * A key whose expiry has come at `nowMs` (checked on every call, not when the keys were loaded)
 * stands for no one.
 */
export function identityForKey(
  keyring: Keyring,
  apiKey: string | undefined,
  nowMs: number = Date.now(),
): (Omit<KeyIdentity, 'expiresAtMs'> & { keyId: string }) | undefined {
  if (!apiKey || apiKey.length > 512) return undefined;
  const hash = hashApiKey(apiKey);
  for (const [known, tenant] of keyring.tenantByKeyHash) {
    if (timingSafeEqual(Buffer.from(known, 'hex'), Buffer.from(hash, 'hex'))) {
      const expiresAt = keyring.expiresAtByKeyHash?.get(known);
      if (expiresAt !== undefined && expiresAt <= nowMs) return undefined;
      return {
        tenantId: tenant,
        role: keyring.roleByKeyHash?.get(known) ?? DEFAULT_ROLE,
        keyId: keyIdOfHash(known),
      };
    }
  }
  return undefined;
}

/** The tenant of `apiKey`, or undefined. */
export function tenantForKey(keyring: Keyring, apiKey: string | undefined): string | undefined {
  return identityForKey(keyring, apiKey)?.tenantId;
}
