import { API_ROLES, type ApiRole } from '@cost-management/contract';
import { ValidationError } from '@cost-management/core';
import { hashApiKey, isApiRole, keyIdOfHash, TENANT_ID_PATTERN } from './api-keys.js';
import { NotFoundError } from './errors.js';

/**
 * The API key secret: a JSON object of `<sha256 hex of the key>` to an entry. An entry is a plain
 * tenant id (an `admin` key, the original format), or `{ tenant, role?, name?, createdAt?, expiresAt? }`
 * (`role` default `admin`; times ISO-8601). A key with `expiresAt` is refused from that instant on
 * (a rotated key's overlap). This module reads and edits that object; it does no I/O and reads no clock.
 */
export const KEY_HASH_PATTERN = /^[0-9a-f]{64}$/;
/** A key id: the first 12 hex characters of the key's hash (`keyIdOfHash`); a longer prefix is accepted. */
export const KEY_ID_PATTERN = /^[0-9a-f]{12,64}$/;
export const MAX_KEY_NAME_LENGTH = 64;
/** Longest overlap a rotation may give the old key. */
export const MAX_OVERLAP_HOURS = 24 * 90;

/** A valid entry, in its object form. */
export interface KeyEntry {
  tenant: string;
  role: ApiRole;
  name?: string;
  createdAt?: string;
  expiresAt?: string;
}

/** The secret's object as stored: entries this module cannot read are kept as they are. */
export type KeyMap = Record<string, unknown>;

const isInstant = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(Date.parse(value));

const NAME_PATTERN = /^[\p{L}\p{N} ._:/@()+-]*$/u;

/**
 * An entry of the secret in object form, or undefined when it is not valid: a plain tenant id, or
 * an object with a valid tenant, a known role (default `admin`), and, when present, a short name
 * and ISO-8601 `createdAt`/`expiresAt`. A malformed `expiresAt` makes the entry invalid (refused),
 * never a key without expiry.
 */
export function readKeyEntry(value: unknown): KeyEntry | undefined {
  if (typeof value === 'string')
    return TENANT_ID_PATTERN.test(value) ? { tenant: value, role: 'admin' } : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { tenant, role = 'admin', name, createdAt, expiresAt } = value as Record<string, unknown>;
  if (typeof tenant !== 'string' || !TENANT_ID_PATTERN.test(tenant) || !isApiRole(role)) return undefined;
  if (name !== undefined && (typeof name !== 'string' || name.length > MAX_KEY_NAME_LENGTH)) return undefined;
  if (createdAt !== undefined && !isInstant(createdAt)) return undefined;
  if (expiresAt !== undefined && !isInstant(expiresAt)) return undefined;
  return {
    tenant,
    role,
    ...(name !== undefined ? { name } : {}),
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

/** Whether an entry is past its `expiresAt` at `nowMs`. */
export const isExpired = (entry: Pick<KeyEntry, 'expiresAt'>, nowMs: number): boolean =>
  entry.expiresAt !== undefined && Date.parse(entry.expiresAt) <= nowMs;

/** The secret's text as a key map; anything but a JSON object fails. */
export function parseKeyMap(secretString: string | undefined): KeyMap {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    throw new Error('The API key secret is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('The API key secret must be a JSON object of key hash to tenant.');
  }
  return parsed as KeyMap;
}

/** The secret's text for a key map (compact: the secret holds at most 64 KB). */
export const renderKeyMap = (map: KeyMap): string => JSON.stringify(map);

/** One line of `keys list`: never the key, never the whole hash. */
export interface KeyRow {
  keyId: string;
  tenant: string;
  role: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  status: 'active' | 'expired' | 'invalid';
}

/** The keys of a map, by tenant then creation; entries that are not valid are listed as `invalid`. */
export function listKeys(map: KeyMap, nowMs: number): KeyRow[] {
  const rows = Object.entries(map).map(([hash, value]): KeyRow => {
    const entry = KEY_HASH_PATTERN.test(hash) ? readKeyEntry(value) : undefined;
    const keyId = KEY_HASH_PATTERN.test(hash) ? keyIdOfHash(hash) : `(bad key: ${hash.slice(0, 12)}…)`;
    if (!entry)
      return { keyId, tenant: '', role: '', name: '', createdAt: '', expiresAt: '', status: 'invalid' };
    return {
      keyId,
      tenant: entry.tenant,
      role: entry.role,
      name: entry.name ?? '',
      createdAt: entry.createdAt ?? '',
      expiresAt: entry.expiresAt ?? '',
      status: isExpired(entry, nowMs) ? 'expired' : 'active',
    };
  });
  return rows.sort(
    (a, b) =>
      a.tenant.localeCompare(b.tenant) ||
      a.createdAt.localeCompare(b.createdAt) ||
      a.keyId.localeCompare(b.keyId),
  );
}

/** The hash of the one key whose id (a hash prefix of 12+ hex characters) is `keyId`. */
export function findKey(map: KeyMap, keyId: string): string {
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new ValidationError('The key id is malformed.', [
      { path: '--key-id', message: 'must be the 12 hex characters `keys list` shows (or more of the hash)' },
    ]);
  }
  const matches = Object.keys(map).filter((hash) => KEY_HASH_PATTERN.test(hash) && hash.startsWith(keyId));
  if (matches.length === 0) throw new NotFoundError(`No key with id '${keyId}' in the secret.`);
  if (matches.length > 1) {
    throw new ValidationError(`Key id '${keyId}' is ambiguous: ${matches.length} keys start with it.`, [
      { path: '--key-id', message: 'give more characters of the hash' },
    ]);
  }
  return matches[0] as string;
}

export interface NewKey {
  tenant: string;
  role?: string;
  name?: string;
}

/** Checks a new key's tenant, role and name as the authorizer reads them; answers the entry. */
export function newKeyEntry(input: NewKey, now: Date): KeyEntry {
  const role = input.role ?? 'admin';
  const details: { path: string; message: string }[] = [];
  if (!TENANT_ID_PATTERN.test(input.tenant)) {
    details.push({
      path: '--tenant',
      message: '1–63 letters, digits and -, starting with a letter or digit',
    });
  }
  if (!isApiRole(role)) details.push({ path: '--role', message: `one of ${API_ROLES.join(', ')}` });
  if (
    input.name !== undefined &&
    (input.name.length > MAX_KEY_NAME_LENGTH || !NAME_PATTERN.test(input.name))
  ) {
    details.push({
      path: '--name',
      message: `at most ${MAX_KEY_NAME_LENGTH} letters, digits, spaces and . _ : / @ ( ) + -`,
    });
  }
  if (details.length > 0) throw new ValidationError('The key is invalid.', details);
  return {
    tenant: input.tenant,
    role: role as ApiRole,
    ...(input.name ? { name: input.name } : {}),
    createdAt: now.toISOString(),
  };
}

/** Adds `key` (stored as its hash only). Answers the new map and the key's hash. */
export function addKey(map: KeyMap, key: string, entry: KeyEntry): { map: KeyMap; hash: string } {
  const hash = hashApiKey(key);
  if (hash in map)
    throw new ValidationError('The key exists already.', [{ path: 'key', message: 'generate another' }]);
  return { map: { ...map, [hash]: entry }, hash };
}

/** Removes the key whose id is `keyId`. */
export function revokeKey(map: KeyMap, keyId: string): { map: KeyMap; hash: string; entry: unknown } {
  const hash = findKey(map, keyId);
  const { [hash]: entry, ...rest } = map;
  return { map: rest, hash, entry };
}

/**
 * Rotation: adds `newKey` with the old key's tenant, role and name, and gives the old key
 * `expiresAt = now + overlapHours` (an earlier expiry it already has is kept), so both work during
 * the overlap. An old key that is invalid or already expired is refused.
 */
export function rotateKey(
  map: KeyMap,
  keyId: string,
  newKey: string,
  overlapHours: number,
  now: Date,
): { map: KeyMap; oldHash: string; hash: string; entry: KeyEntry; oldExpiresAt: string } {
  if (!Number.isFinite(overlapHours) || overlapHours < 0 || overlapHours > MAX_OVERLAP_HOURS) {
    throw new ValidationError('The overlap is invalid.', [
      { path: '--overlap-hours', message: `a number of hours from 0 to ${MAX_OVERLAP_HOURS}` },
    ]);
  }
  const oldHash = findKey(map, keyId);
  const old = readKeyEntry(map[oldHash]);
  if (!old)
    throw new ValidationError(`Key '${keyId}' has an entry the authorizer cannot read; revoke it instead.`);
  if (isExpired(old, now.getTime()))
    throw new ValidationError(`Key '${keyId}' has expired; add a new key instead.`);
  const expiry = new Date(now.getTime() + Math.round(overlapHours * 3_600_000)).toISOString();
  const oldExpiresAt =
    old.expiresAt !== undefined && Date.parse(old.expiresAt) < Date.parse(expiry) ? old.expiresAt : expiry;
  const entry: KeyEntry = {
    tenant: old.tenant,
    role: old.role,
    ...(old.name !== undefined ? { name: old.name } : {}),
    createdAt: now.toISOString(),
  };
  const added = addKey({ ...map, [oldHash]: { ...old, expiresAt: oldExpiresAt } }, newKey, entry);
  return { map: added.map, oldHash, hash: added.hash, entry, oldExpiresAt };
}

/** Removes the keys that have expired (rotated keys after their overlap). */
export function pruneExpired(map: KeyMap, nowMs: number): { map: KeyMap; removed: string[] } {
  const removed: string[] = [];
  const kept: KeyMap = {};
  for (const [hash, value] of Object.entries(map)) {
    const entry = readKeyEntry(value);
    if (KEY_HASH_PATTERN.test(hash) && entry && isExpired(entry, nowMs)) removed.push(hash);
    else kept[hash] = value;
  }
  return { map: kept, removed };
}
