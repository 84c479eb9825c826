import { describe, expect, it } from 'vitest';
import { hashApiKey, keyIdOfHash } from '../../lambdas/platform/api-keys.js';
import {
  addKey,
  findKey,
  type KeyMap,
  listKeys,
  newKeyEntry,
  parseKeyMap,
  pruneExpired,
  readKeyEntry,
  revokeKey,
  rotateKey,
} from '../../lambdas/platform/key-secret.js';

const NOW = new Date('2026-11-30T08:00:00.000Z');
const A = hashApiKey('key-of-tenant-a');
const B = hashApiKey('key-of-tenant-b');

describe('readKeyEntry', () => {
  it('reads a plain tenant (admin), a tenant with a role, and the full entry', () => {
    expect(readKeyEntry('tenant-a')).toEqual({ tenant: 'tenant-a', role: 'admin' });
    expect(readKeyEntry({ tenant: 'tenant-a', role: 'viewer' })).toEqual({
      tenant: 'tenant-a',
      role: 'viewer',
    });
    const full = {
      tenant: 'tenant-a',
      role: 'ingest',
      name: 'backend prod',
      createdAt: '2026-11-01T00:00:00.000Z',
      expiresAt: '2026-12-01T00:00:00.000Z',
    };
    expect(readKeyEntry(full)).toEqual(full);
  });

  it.each([
    ['a reserved tenant', '_global'],
    ['an unknown role', { tenant: 'tenant-a', role: 'root' }],
    ['a malformed expiry', { tenant: 'tenant-a', expiresAt: 'tomorrow' }],
    ['an expiry that is not a string', { tenant: 'tenant-a', expiresAt: 1_800_000_000 }],
    ['a long name', { tenant: 'tenant-a', name: 'x'.repeat(65) }],
    ['an array', ['tenant-a']],
  ])('refuses %s', (_what, value) => {
    expect(readKeyEntry(value)).toBeUndefined();
  });
});

describe('editing the key map', () => {
  const map = () =>
    parseKeyMap(JSON.stringify({ [A]: 'tenant-a', [B]: { tenant: 'tenant-b', role: 'viewer' } }));

  it('adds a key as its hash only, with the checked entry', () => {
    const entry = newKeyEntry({ tenant: 'tenant-c', role: 'ingest', name: 'backend' }, NOW);
    const { map: next, hash } = addKey(map(), 'cmk_new-key-0001', entry);
    expect(hash).toBe(hashApiKey('cmk_new-key-0001'));
    expect(next[hash]).toEqual({
      tenant: 'tenant-c',
      role: 'ingest',
      name: 'backend',
      createdAt: NOW.toISOString(),
    });
    expect(JSON.stringify(next)).not.toContain('cmk_new-key-0001');
    expect(Object.keys(next)).toHaveLength(3);
  });

  it('validates tenant, role and name like the authorizer reads them', () => {
    expect(() => newKeyEntry({ tenant: '_svc' }, NOW)).toThrow('The key is invalid.');
    expect(() => newKeyEntry({ tenant: 'tenant-a', role: 'root' }, NOW)).toThrow('The key is invalid.');
    expect(() => newKeyEntry({ tenant: 'tenant-a', name: 'a\nb' }, NOW)).toThrow('The key is invalid.');
    expect(() => addKey(map(), 'key-of-tenant-a', newKeyEntry({ tenant: 'tenant-x' }, NOW))).toThrow(
      'The key exists already.',
    );
  });

  it('finds a key by its id, refusing unknown, malformed and ambiguous ids', () => {
    expect(findKey(map(), keyIdOfHash(A))).toBe(A);
    expect(() => findKey(map(), '000000000000')).toThrow(/No key with id/);
    expect(() => findKey(map(), 'abc')).toThrow('The key id is malformed.');
    const twins = {
      [`${'ab'.repeat(6)}${'0'.repeat(52)}`]: 't-1',
      [`${'ab'.repeat(6)}${'1'.repeat(52)}`]: 't-2',
    };
    expect(() => findKey(twins, 'ab'.repeat(6))).toThrow(/ambiguous: 2 keys/);
    expect(findKey(twins, `${'ab'.repeat(6)}1`)).toBe(`${'ab'.repeat(6)}${'1'.repeat(52)}`);
  });

  it('revokes one key and keeps the others as they were', () => {
    const { map: next, hash } = revokeKey(map(), keyIdOfHash(B));
    expect(hash).toBe(B);
    expect(next).toEqual({ [A]: 'tenant-a' });
  });

  it('rotates: a new key of the same tenant and role, the old one expiring after the overlap', () => {
    const before: KeyMap = { ...map(), bogus: 42 };
    const rotated = rotateKey(before, keyIdOfHash(A), 'cmk_rotated-0001', 24, NOW);
    expect(rotated.oldExpiresAt).toBe('2026-12-01T08:00:00.000Z');
    expect(rotated.map[A]).toEqual({
      tenant: 'tenant-a',
      role: 'admin',
      expiresAt: '2026-12-01T08:00:00.000Z',
    });
    expect(rotated.map[rotated.hash]).toEqual({
      tenant: 'tenant-a',
      role: 'admin',
      createdAt: NOW.toISOString(),
    });
    // Entries it cannot read stay untouched.
    expect(rotated.map.bogus).toBe(42);
    expect(rotated.map[B]).toEqual(before[B]);
    // A second rotation of the old key does not extend its expiry.
    const again = rotateKey(rotated.map, keyIdOfHash(A), 'cmk_rotated-0002', 48, NOW);
    expect(again.oldExpiresAt).toBe('2026-12-01T08:00:00.000Z');
    expect(() => rotateKey(map(), keyIdOfHash(A), 'cmk_x-000001', -1, NOW)).toThrow(
      'The overlap is invalid.',
    );
    const later = new Date('2026-12-02T00:00:00.000Z');
    expect(() => rotateKey(rotated.map, keyIdOfHash(A), 'cmk_x-000002', 1, later)).toThrow(/has expired/);
  });

  it('lists ids, tenants, roles and times, never a key or a whole hash; prunes expired keys', () => {
    const rotated = rotateKey(map(), keyIdOfHash(A), 'cmk_rotated-0001', 1, NOW);
    const withBad = { ...rotated.map, [hashApiKey('bad')]: { tenant: 'tenant-a', role: 'root' } };
    const rows = listKeys(withBad, Date.parse('2026-11-30T10:00:00.000Z'));
    expect(rows.map((r) => [r.keyId, r.tenant, r.role, r.status])).toEqual([
      [keyIdOfHash(hashApiKey('bad')), '', '', 'invalid'],
      [keyIdOfHash(A), 'tenant-a', 'admin', 'expired'],
      [keyIdOfHash(rotated.hash), 'tenant-a', 'admin', 'active'],
      [keyIdOfHash(B), 'tenant-b', 'viewer', 'active'],
    ]);
    const text = JSON.stringify(rows);
    for (const hash of [A, B, rotated.hash]) expect(text).not.toContain(hash);
    const pruned = pruneExpired(withBad, Date.parse('2026-11-30T10:00:00.000Z'));
    expect(pruned.removed).toEqual([A]);
    expect(Object.keys(pruned.map).sort()).toEqual([B, rotated.hash, hashApiKey('bad')].sort());
  });
});
