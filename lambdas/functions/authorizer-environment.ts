import * as z from 'zod/mini';
import { TENANT_ID_PATTERN } from '../platform/api-keys.js';
import { defineFunction } from '../platform/function-spec.js';

/** JSON array of tenant ids; anything else is refused at synthesis and at cold start. */
export function parseTenantList(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && TENANT_ID_PATTERN.test(t)))
    throw new Error('expected a JSON array of tenant ids');
  return value as string[];
}

const isTenantList = (text: string): boolean => {
  try {
    parseTenantList(text);
    return true;
  } catch {
    return false;
  }
};

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
    /**
     * Tenants with an API Gateway usage key of their own (JSON array), set by the API stack from
     * `tenantLimits`; every other tenant gets the key the unlisted tenants share.
     */
    USAGE_PLAN_TENANTS: z._default(
      z.string().check(z.refine(isTenantList, 'must be a JSON array of tenant ids')),
      '[]',
    ),
  },
});
