import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAuthorizer } from '../platform/authorizer.js';
import { loadEnvironment } from '../platform/function-spec.js';
import { parseTenantList, spec } from './authorizer-environment.js';

const env = loadEnvironment(spec);

export const handler = createAuthorizer({
  client: new SecretsManagerClient({ maxAttempts: 3 }),
  secretId: env.API_KEYS_SECRET_ARN,
  cacheSeconds: env.API_KEYS_CACHE_SECONDS,
  // The deployed API requires a usage key on every authenticated method: always name one.
  usagePlanTenants: parseTenantList(env.USAGE_PLAN_TENANTS),
});
