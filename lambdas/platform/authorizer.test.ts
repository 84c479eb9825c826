import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashApiKey, keyIdOfHash } from './api-keys.js';
import { authorizerPolicy, createAuthorizer, parseKeySecret, REFRESH_RETRY_MS } from './authorizer.js';
import { rotateKey } from './key-secret.js';
import { unlistedTenantsUsageKey, usageIdentifierKey } from './tenant-limits.js';

const METHOD_ARN =
  'arn:aws:execute-api:eu-central-1:123456789012:abc123/dev/POST/api/cost-management/estimate';
const STAGE_ARN = 'arn:aws:execute-api:eu-central-1:123456789012:abc123/dev/*';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:api-keys-AbCdEf';

const secretOf = (pairs: Record<string, string>) =>
  JSON.stringify(Object.fromEntries(Object.entries(pairs).map(([key, tenant]) => [hashApiKey(key), tenant])));

const event = (token: string | undefined): APIGatewayTokenAuthorizerEvent =>
  ({ type: 'TOKEN', methodArn: METHOD_ARN, authorizationToken: token }) as APIGatewayTokenAuthorizerEvent;

const secrets = mockClient(SecretsManagerClient);

describe('token authorizer', () => {
  let clock = 1_000_000;
  const build = (cacheSeconds = 300) =>
    createAuthorizer({
      client: new SecretsManagerClient({}),
      secretId: SECRET_ARN,
      cacheSeconds,
      now: () => clock,
    });

  beforeEach(() => {
    secrets.reset();
    clock = 1_000_000;
  });
  afterEach(() => vi.restoreAllMocks());

  it('allows a known key on every method of the stage and passes its tenant on', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretOf({ 'key-of-tenant-a': 'tenant-a' }) });
    const result = await build()(event('key-of-tenant-a'));
    expect(result).toEqual({
      principalId: 'tenant-a',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_ARN }],
      },
      context: { tenantId: 'tenant-a', role: 'admin', keyId: keyIdOfHash(hashApiKey('key-of-tenant-a')) },
    });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ARN });
  });

  it('passes the role of a key with one on', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        [hashApiKey('key-of-a-viewer')]: { tenant: 'tenant-a', role: 'viewer' },
      }),
    });
    expect((await build()(event('key-of-a-viewer'))).context).toEqual({
      tenantId: 'tenant-a',
      role: 'viewer',
      keyId: keyIdOfHash(hashApiKey('key-of-a-viewer')),
    });
  });

  it('maps each key to its own tenant', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: secretOf({ 'key-of-tenant-a': 'tenant-a', 'key-of-tenant-b': 'tenant-b' }) });
    const authorize = build();
    expect((await authorize(event('key-of-tenant-b'))).context).toEqual({
      tenantId: 'tenant-b',
      role: 'admin',
      keyId: keyIdOfHash(hashApiKey('key-of-tenant-b')),
    });
    expect((await authorize(event('key-of-tenant-a'))).context).toEqual({
      tenantId: 'tenant-a',
      role: 'admin',
      keyId: keyIdOfHash(hashApiKey('key-of-tenant-a')),
    });
  });

  it.each([
    ['an unknown key', 'not-a-known-key'],
    ['an empty key', ''],
    ['no key', undefined],
  ])('denies %s without a tenant context', async (_what, token) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretOf({ 'key-of-tenant-a': 'tenant-a' }) });
    const result = await build()(event(token));
    expect(result.principalId).toBe('anonymous');
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: STAGE_ARN },
    ]);
    expect(result.context).toBeUndefined();
  });

  it("names the usage key of the caller's tenant on its stage, or the shared one for unlisted tenants", async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: secretOf({ 'key-of-tenant-a': 'tenant-a', 'key-of-tenant-b': 'tenant-b' }),
    });
    const authorize = createAuthorizer({
      client: new SecretsManagerClient({}),
      secretId: SECRET_ARN,
      cacheSeconds: 300,
      now: () => clock,
      usagePlanTenants: ['tenant-a'],
    });
    const a = await authorize(event('key-of-tenant-a'));
    expect(a.usageIdentifierKey).toBe(usageIdentifierKey('dev', 'tenant-a'));
    expect(a.usageIdentifierKey).toMatch(/^tenant-usage-dev-tenant-a-/);
    expect((await authorize(event('key-of-tenant-b'))).usageIdentifierKey).toBe(
      unlistedTenantsUsageKey('dev'),
    );
    expect((await authorize(event('not-a-known-key'))).usageIdentifierKey).toBeUndefined();
  });

  it('names no usage key unless told which tenants have one', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretOf({ 'key-of-tenant-a': 'tenant-a' }) });
    expect(await build()(event('key-of-tenant-a'))).not.toHaveProperty('usageIdentifierKey');
  });

  it('reads the secret once while the cache is fresh and again after it expired', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: secretOf({ 'old-key-123': 'tenant-a' }) })
      .resolves({ SecretString: secretOf({ 'new-key-456': 'tenant-a' }) });
    const authorize = build(300);
    expect((await authorize(event('old-key-123'))).context).toEqual({
      tenantId: 'tenant-a',
      role: 'admin',
      keyId: keyIdOfHash(hashApiKey('old-key-123')),
    });
    clock += 299_999;
    expect((await authorize(event('new-key-456'))).context).toBeUndefined();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock += 1;
    expect((await authorize(event('new-key-456'))).context).toEqual({
      tenantId: 'tenant-a',
      role: 'admin',
      keyId: keyIdOfHash(hashApiKey('new-key-456')),
    });
    expect((await authorize(event('old-key-123'))).context).toBeUndefined();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('keeps the loaded keys when a refresh fails and retries after a pause', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: secretOf({ 'key-of-tenant-a': 'tenant-a' }) })
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: secretOf({ 'key-of-tenant-b': 'tenant-b' }) });
    const authorize = build(60);
    await authorize(event('key-of-tenant-a'));
    clock += 60_000;
    expect((await authorize(event('key-of-tenant-a'))).context).toEqual({
      tenantId: 'tenant-a',
      role: 'admin',
      keyId: keyIdOfHash(hashApiKey('key-of-tenant-a')),
    });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    clock += REFRESH_RETRY_MS - 1;
    await authorize(event('key-of-tenant-a'));
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    clock += 1;
    expect((await authorize(event('key-of-tenant-b'))).context).toEqual({
      tenantId: 'tenant-b',
      role: 'admin',
      keyId: keyIdOfHash(hashApiKey('key-of-tenant-b')),
    });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it('a rotated key works during the overlap and is refused after it, checked on every call', async () => {
    const rotatedAt = new Date(clock);
    const { map } = rotateKey(
      { [hashApiKey('old-key-of-a')]: { tenant: 'tenant-a', role: 'ingest', name: 'backend' } },
      keyIdOfHash(hashApiKey('old-key-of-a')),
      'new-key-of-a',
      1,
      rotatedAt,
    );
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(map) });
    // Keys cached longer than the overlap: the expiry must not wait for the next read.
    const authorize = build(7200);
    const context = (key: string) => ({
      tenantId: 'tenant-a',
      role: 'ingest',
      keyId: keyIdOfHash(hashApiKey(key)),
    });
    expect((await authorize(event('old-key-of-a'))).context).toEqual(context('old-key-of-a'));
    expect((await authorize(event('new-key-of-a'))).context).toEqual(context('new-key-of-a'));
    clock += 3_600_000 - 1;
    expect((await authorize(event('old-key-of-a'))).context).toEqual(context('old-key-of-a'));
    clock += 1;
    // The secret was not read again: the clock decides.
    const refused = await authorize(event('old-key-of-a'));
    expect(refused.context).toBeUndefined();
    expect(refused.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect((await authorize(event('new-key-of-a'))).context).toEqual(context('new-key-of-a'));
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails (a 5xx at the API, not a 401) when the secret cannot be read on a cold start', async () => {
    secrets.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
    await expect(build()(event('key-of-tenant-a'))).rejects.toThrow('AccessDeniedException');
  });

  it('fails when the secret is not a JSON object', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '["not", "an", "object"]' });
    await expect(build()(event('key-of-tenant-a'))).rejects.toThrow('must be a JSON object');
  });
});

describe('parseKeySecret', () => {
  it('keeps hash-to-tenant pairs and skips everything else', () => {
    const good = hashApiKey('a-good-key');
    const { keyring, skipped } = parseKeySecret(
      JSON.stringify({
        [good]: 'tenant-a',
        'not-a-hash': 'tenant-b',
        [hashApiKey('reserved-key')]: '_global',
        [hashApiKey('numeric-tenant')]: 42,
        [hashApiKey('upper').toUpperCase()]: 'tenant-c',
      }),
    );
    expect([...keyring.tenantByKeyHash]).toEqual([[good, 'tenant-a']]);
    expect(skipped).toBe(4);
  });

  it.each([undefined, '', 'not json', 'null', '"text"', '[]'])('rejects %j', (text) => {
    expect(() => parseKeySecret(text)).toThrow(/API key secret/);
  });

  it('reads a role next to the tenant and skips an unknown role', () => {
    const viewer = hashApiKey('a-viewer-key');
    const plain = hashApiKey('a-plain-key');
    const { keyring, skipped } = parseKeySecret(
      JSON.stringify({
        [viewer]: { tenant: 'tenant-a', role: 'viewer' },
        [plain]: { tenant: 'tenant-a' },
        [hashApiKey('bad-role')]: { tenant: 'tenant-a', role: 'root' },
        [hashApiKey('no-tenant')]: { role: 'viewer' },
      }),
    );
    expect(skipped).toBe(2);
    expect(keyring.roleByKeyHash?.get(viewer)).toBe('viewer');
    expect(keyring.roleByKeyHash?.get(plain)).toBe('admin');
  });

  it('reads names and times, and skips an entry whose expiry is malformed', () => {
    const named = hashApiKey('a-named-key');
    const { keyring, skipped } = parseKeySecret(
      JSON.stringify({
        [named]: {
          tenant: 'tenant-a',
          role: 'viewer',
          name: 'dashboard',
          createdAt: '2026-11-01T00:00:00.000Z',
          expiresAt: '2026-12-01T00:00:00.000Z',
        },
        [hashApiKey('bad-expiry')]: { tenant: 'tenant-a', expiresAt: 'soon' },
      }),
    );
    expect(skipped).toBe(1);
    expect(keyring.expiresAtByKeyHash?.get(named)).toBe(Date.parse('2026-12-01T00:00:00.000Z'));
  });

  it('accepts an empty object: no key is valid yet', () => {
    expect(parseKeySecret('{}').keyring.tenantByKeyHash.size).toBe(0);
  });
});

describe('authorizerPolicy', () => {
  it('scopes the statement to the stage of the calling API', () => {
    expect(
      authorizerPolicy('arn:aws:execute-api:us-east-1:1:api9/prod/GET/api/cost-management/models', 't'),
    ).toEqual({
      principalId: 't',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:us-east-1:1:api9/prod/*',
          },
        ],
      },
      context: { tenantId: 't', role: 'admin' },
    });
  });
});

describe('handler', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('is configured from the validated environment at cold start', async () => {
    vi.stubEnv('API_KEYS_SECRET_ARN', SECRET_ARN);
    vi.stubEnv('API_KEYS_CACHE_SECONDS', '60');
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretOf({ 'key-of-tenant-a': 'tenant-a' }) });
    const { handler } = await import('../functions/authorizer-handler.js');
    expect((await handler(event('key-of-tenant-a'))).context).toEqual({
      tenantId: 'tenant-a',
      role: 'admin',
      keyId: keyIdOfHash(hashApiKey('key-of-tenant-a')),
    });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ARN });
  });

  it("always names a usage key: the tenant's own when USAGE_PLAN_TENANTS lists it", async () => {
    vi.stubEnv('API_KEYS_SECRET_ARN', SECRET_ARN);
    vi.stubEnv('USAGE_PLAN_TENANTS', '["tenant-a"]');
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: secretOf({ 'key-of-tenant-a': 'tenant-a', 'key-of-tenant-b': 'tenant-b' }),
    });
    const { handler } = await import('../functions/authorizer-handler.js');
    expect((await handler(event('key-of-tenant-a'))).usageIdentifierKey).toBe(
      usageIdentifierKey('dev', 'tenant-a'),
    );
    expect((await handler(event('key-of-tenant-b'))).usageIdentifierKey).toBe(unlistedTenantsUsageKey('dev'));
  });

  it('refuses a USAGE_PLAN_TENANTS that is not a list of tenant ids', async () => {
    vi.stubEnv('API_KEYS_SECRET_ARN', SECRET_ARN);
    vi.stubEnv('USAGE_PLAN_TENANTS', '{"tenant-a":1}');
    await expect(import('../functions/authorizer-handler.js')).rejects.toThrow(/USAGE_PLAN_TENANTS/);
  });

  it('refuses to start without the secret ARN', async () => {
    vi.stubEnv('API_KEYS_SECRET_ARN', '');
    await expect(import('../functions/authorizer-handler.js')).rejects.toThrow(
      /authorizer is misconfigured.*API_KEYS_SECRET_ARN/,
    );
  });
});
