import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadEnvironment } from '../shared/function-spec.js';
import { createAuthorizer } from './authorizer.js';
import { spec } from './environment.js';

const env = loadEnvironment(spec);

export const handler = createAuthorizer({
  client: new SecretsManagerClient({ maxAttempts: 3 }),
  secretId: env.API_KEYS_SECRET_ARN,
  cacheSeconds: env.API_KEYS_CACHE_SECONDS,
});
