import { describe, expect, it } from 'vitest';
import { identityForKey, parseApiKeys, tenantForKey } from '../../lambdas/platform/api-keys.js';

function errorOf(run: () => unknown): { message: string; details: { message: string }[] } {
  try {
    run();
  } catch (error) {
    return error as { message: string; details: { message: string }[] };
  }
  throw new Error('expected an error');
}

describe('API_KEYS parsing', () => {
  it('maps each key to its tenant, with the local default when unset', () => {
    const keyring = parseApiKeys('tenant-a:key-aaaaaaaa, tenant-b:key-bbbbbbbb');
    expect(tenantForKey(keyring, 'key-aaaaaaaa')).toBe('tenant-a');
    expect(tenantForKey(keyring, 'key-bbbbbbbb')).toBe('tenant-b');
    expect(tenantForKey(keyring, 'key-cccccccc')).toBeUndefined();
    expect(tenantForKey(parseApiKeys(undefined), 'local-dev-key')).toBe('local');
  });

  it('never repeats key material in its error, even for an entry without a tenant', () => {
    const secret = 'sk-live-0123456789abcdef';
    for (const spec of [secret, `tenant-a:key-aaaaaaaa,${secret}`, `:${secret}`]) {
      const error = errorOf(() => parseApiKeys(spec));
      expect(JSON.stringify([error.message, error.details])).not.toContain(secret.slice(0, 8));
    }
    expect(errorOf(() => parseApiKeys('tenant-a:short')).details[0]?.message).toContain('tenant-a');
  });

  it('refuses one key for two tenants', () => {
    expect(() => parseApiKeys('a:key-aaaaaaaa,b:key-aaaaaaaa')).toThrow(/two tenants/);
  });

  it('gives a key the role after its second colon, admin without one', () => {
    const keyring = parseApiKeys(
      't:key-aaaaaaaa,t:key-bbbbbbbb:viewer,t:key-cccccccc:ingest,t:key-dddddddd:admin',
    );
    expect(identityForKey(keyring, 'key-aaaaaaaa')).toMatchObject({ tenantId: 't', role: 'admin' });
    expect(identityForKey(keyring, 'key-bbbbbbbb')).toMatchObject({ tenantId: 't', role: 'viewer' });
    expect(identityForKey(keyring, 'key-cccccccc')).toMatchObject({ tenantId: 't', role: 'ingest' });
    expect(identityForKey(keyring, 'key-dddddddd')).toMatchObject({ tenantId: 't', role: 'admin' });
    expect(identityForKey(keyring, 'key-bbbbbbbb:viewer')).toBeUndefined();
    // The key id is the start of the key's hash: stable, distinct per key, never the key itself.
    const a = identityForKey(keyring, 'key-aaaaaaaa')?.keyId;
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(a).not.toBe(identityForKey(keyring, 'key-bbbbbbbb')?.keyId);
  });

  it('refuses an unknown role rather than making an admin key of it', () => {
    const error = errorOf(() => parseApiKeys('t:key-aaaaaaaa:veiwer'));
    expect(error.details[0]?.message).toContain('unknown role');
    expect(JSON.stringify(error)).not.toContain('key-aaaa');
    expect(() => parseApiKeys('t:key-aaaaaaaa:viewer,t:key-aaaaaaaa:admin')).toThrow(/two roles/);
  });
});
