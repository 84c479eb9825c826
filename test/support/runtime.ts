import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime.js';

export const TENANT_A = { tenant: 'tenant-a', key: 'key-aaaaaaaa' };
export const TENANT_B = { tenant: 'tenant-b', key: 'key-bbbbbbbb' };

/** Starts the local runtime against the shared test DynamoDB Local with fresh tables. */
export async function startTestRuntime(options: Partial<LocalRuntimeOptions> = {}): Promise<LocalRuntime> {
  return startLocalRuntime({
    port: 0,
    apiKeys: `${TENANT_A.tenant}:${TENANT_A.key},${TENANT_B.tenant}:${TENANT_B.key}`,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tablePrefix: `t${randomBytes(4).toString('hex')}`,
    ...options,
    // Test files run in parallel: a free port for each SES emulator, and sweeps only on demand.
    alerting: { sesPort: 0, sweepIntervalSeconds: 0, ...options.alerting },
  });
}
