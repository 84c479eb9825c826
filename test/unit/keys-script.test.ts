import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey, identityForKey, keyIdOfHash } from '../../lambdas/platform/api-keys.js';
import { parseKeySecret } from '../../lambdas/platform/authorizer.js';
import { editKeySecret, runKeys, SecretChangedError } from '../../scripts/keys.js';
import { FakeSecretsManager } from '../support/fake-secrets-manager.js';

const OLD_KEY = 'key-of-tenant-a';
const NOW = new Date('2026-11-30T08:00:00.000Z');
let fake: FakeSecretsManager;

beforeEach(() => {
  fake = new FakeSecretsManager(JSON.stringify({ [hashApiKey(OLD_KEY)]: 'tenant-a' }));
});
afterEach(() => fake.restore());

/** Runs `npm run keys -- …` against the fake secret; answers the exit code and printed lines. */
async function keys(args: string[], options: { key?: string; now?: Date } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let n = 0;
  const code = await runKeys([...args, '--secret', fake.arn, '--region', 'us-east-1'], {
    now: () => options.now ?? NOW,
    newKey: () => options.key ?? `cmk_generated-key-${++n}`,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    edit: { sleep: async () => undefined },
  });
  return { code, out, err };
}

/** Who the authorizer takes `key` for with the secret's current value, at `at`. */
const who = (key: string, at: Date = NOW) =>
  identityForKey(parseKeySecret(fake.current()).keyring, key, at.getTime());

describe('npm run keys', () => {
  it('adds a key: printed once, stored as its hash, accepted by the authorizer', async () => {
    const { code, out } = await keys(
      ['add', '--tenant', 'tenant-b', '--role', 'ingest', '--name', 'backend prod'],
      {
        key: 'cmk_new-key-for-b',
      },
    );
    expect(code).toBe(0);
    expect(out.at(-1)).toBe('cmk_new-key-for-b');
    expect(fake.current()).not.toContain('cmk_new-key-for-b');
    expect(who('cmk_new-key-for-b')).toMatchObject({ tenantId: 'tenant-b', role: 'ingest' });
    expect(who(OLD_KEY)).toMatchObject({ tenantId: 'tenant-a', role: 'admin' });
    // The edit became current by moving AWSCURRENT; the pending label is gone again.
    expect(
      Object.values(fake.describe({ SecretId: fake.arn }).VersionIdsToStages)
        .flat()
        .sort(),
    ).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);

    const listed = await keys(['list']);
    expect(listed.code).toBe(0);
    const text = listed.out.join('\n');
    expect(text).toContain(keyIdOfHash(hashApiKey('cmk_new-key-for-b')));
    expect(text).toMatch(/tenant-b\s+ingest\s+backend prod\s+2026-11-30T08:00:00.000Z/);
    expect(text).not.toContain(hashApiKey('cmk_new-key-for-b'));
    expect(text).not.toContain('cmk_new-key-for-b');
  });

  it('refuses a bad tenant or role, and unknown or ambiguous key ids, without writing', async () => {
    const before = fake.current();
    expect((await keys(['add', '--tenant', '_svc'])).code).toBe(2);
    expect((await keys(['add', '--tenant', 'tenant-b', '--role', 'root'])).err.join('\n')).toContain(
      '--role',
    );
    const unknown = await keys(['revoke', '--key-id', '000000000000']);
    expect(unknown).toMatchObject({ code: 2, err: ["No key with id '000000000000' in the secret."] });
    expect((await keys(['rotate', '--key-id', 'xyz'])).code).toBe(2);
    expect((await keys(['frobnicate'])).code).toBe(2);
    expect((await keys(['add', '--tenant', 'tenant-b', '--key-id', 'abc'])).err[0]).toContain(
      'unknown option',
    );
    expect(fake.current()).toBe(before);
    expect(fake.calls('PutSecretValueCommand')).toBe(0);
  });

  it('rotates with overlap: both keys work until the old one expires, then only the new one', async () => {
    const id = keyIdOfHash(hashApiKey(OLD_KEY));
    const { code, out } = await keys(['rotate', '--key-id', id, '--overlap-hours', '24'], {
      key: 'cmk_rotated-a',
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('Both work until 2026-12-01T08:00:00.000Z');
    const during = new Date('2026-12-01T07:59:59.999Z');
    expect(who(OLD_KEY, during)).toMatchObject({ tenantId: 'tenant-a', role: 'admin' });
    expect(who('cmk_rotated-a', during)).toMatchObject({ tenantId: 'tenant-a', role: 'admin' });
    const after = new Date('2026-12-01T08:00:00.000Z');
    expect(who(OLD_KEY, after)).toBeUndefined();
    expect(who('cmk_rotated-a', after)).toMatchObject({ tenantId: 'tenant-a' });

    // After the overlap, prune removes the old entry; revoke removes a key at once.
    expect((await keys(['prune'], { now: after })).out[0]).toContain(`Removed 1 expired key(s): ${id}`);
    expect(Object.keys(JSON.parse(fake.current()))).toEqual([hashApiKey('cmk_rotated-a')]);
    expect((await keys(['revoke', '--key-id', keyIdOfHash(hashApiKey('cmk_rotated-a'))])).code).toBe(0);
    expect(JSON.parse(fake.current())).toEqual({});
  });

  it('a concurrent edit between the read and the move is kept, and this edit is made again on it', async () => {
    // Another operator adds a key after this edit read the secret and wrote its pending version.
    fake.before('UpdateSecretVersionStage', () =>
      keys(['add', '--tenant', 'tenant-c'], { key: 'cmk_other-c' }),
    );
    const { code } = await keys(['add', '--tenant', 'tenant-b'], { key: 'cmk_mine-b' });
    expect(code).toBe(0);
    expect(who('cmk_other-c')).toMatchObject({ tenantId: 'tenant-c' });
    expect(who('cmk_mine-b')).toMatchObject({ tenantId: 'tenant-b' });
    expect(who(OLD_KEY)).toMatchObject({ tenantId: 'tenant-a' });
    // Read, write and move twice for this edit, once for the other.
    expect(fake.calls('PutSecretValueCommand')).toBe(3);
    // Only the current version is labelled current; the lost attempt's version carries no label.
    const stages = fake.describe({ SecretId: fake.arn }).VersionIdsToStages;
    expect(
      Object.values(stages)
        .flat()
        .filter((s) => s === 'AWSCURRENT'),
    ).toHaveLength(1);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
  });

  it('an edit that became current between the read and the write is detected before the move', async () => {
    fake.before('PutSecretValue', () =>
      keys(['revoke', '--key-id', keyIdOfHash(hashApiKey(OLD_KEY))]).then((r) => expect(r.code).toBe(0)),
    );
    expect((await keys(['add', '--tenant', 'tenant-b'], { key: 'cmk_mine-b' })).code).toBe(0);
    expect(who(OLD_KEY)).toBeUndefined();
    expect(who('cmk_mine-b')).toMatchObject({ tenantId: 'tenant-b' });
  });

  it('gives up after the attempts, applying nothing of its edit and losing nothing of the others', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    let others = 0;
    const other = () =>
      editKeySecret(
        client,
        fake.arn,
        (map) => ({ map: { ...map, [hashApiKey(`other-key-${++others}`)]: 'tenant-c' }, result: null }),
        { sleep: async () => undefined },
      );
    const edit = editKeySecret(
      client,
      fake.arn,
      (map) => {
        // Each attempt reads, and then another edit wins the race before the move.
        fake.before('UpdateSecretVersionStage', other);
        return { map: { ...map, [hashApiKey('never-current')]: 'tenant-b' }, result: null };
      },
      { sleep: async () => undefined, maxAttempts: 3 },
    );
    await expect(edit).rejects.toBeInstanceOf(SecretChangedError);
    const current = JSON.parse(fake.current()) as Record<string, unknown>;
    expect(current).not.toHaveProperty(hashApiKey('never-current'));
    expect(Object.keys(current)).toHaveLength(1 + 3);
  });
});
