import * as z from 'zod/mini';
import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'authorizer',
  description:
    'API Gateway authorizer: maps the x-api-key header to its tenant through the stored key hashes.',
  tables: {},
  readsApiKeys: true,
  memoryMb: 256,
  timeoutSeconds: 5,
  env: {
    API_KEYS_SECRET_ARN: z.string().check(z.minLength(20)),
    /** How long a warm function keeps the key hashes before it reads the secret again. */
    API_KEYS_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(3600)), 300),
  },
});
