import { resolve } from 'node:path';
import { parseTenantLimits } from '../lambdas/platform/tenant-limits.js';
import { startLocalRuntime } from '../local/runtime.js';

const port = Number(process.env.PORT ?? 3000);
const dataDir = resolve(process.env.DATA_DIR ?? '.data');
// Per-tenant rate limits as deployed (`{}`: the deployed defaults); unset: no limit locally.
const tenantLimits = process.env.TENANT_LIMITS?.trim()
  ? parseTenantLimits(process.env.TENANT_LIMITS, 'TENANT_LIMITS')
  : undefined;
const runtime = await startLocalRuntime({
  port,
  apiKeys: process.env.API_KEYS,
  host: process.env.HOST,
  dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
  dataDir,
  tablePrefix: process.env.TABLE_PREFIX,
  alerting: { dataDir },
  // Links in alert notices; by default the console this runtime serves.
  consoleUrl: process.env.CONSOLE_URL || undefined,
  ...(tenantLimits ? { tenantLimits } : {}),
});
const devKey = process.env.API_KEYS ? '<a key from API_KEYS>' : 'local-dev-key';

console.log(`Cost management API ready at ${runtime.apiBase}`);
console.log(`  API key (x-api-key): ${devKey}`);
console.log(`  Console: ${runtime.url}/console/`);
console.log(
  `  DynamoDB: ${runtime.dynamodbEndpoint}${process.env.DYNAMODB_ENDPOINT ? '' : ` (DynamoDB Local, data in ${dataDir})`}`,
);
console.log(
  `  SES inbox: ${runtime.alerting.sesUrl}  ·  SMS log: ${runtime.alerting.smsFile} (GET ${runtime.url}/_local/sms)`,
);
console.log(`  Sweep now: curl -X POST ${runtime.url}/_local/sweep`);
console.log(
  tenantLimits
    ? `  Rate limit per tenant: ${tenantLimits.default.rateLimit}/s, burst ${tenantLimits.default.burstLimit} (${Object.keys(tenantLimits.overrides).length} overrides)`
    : '  Rate limit per tenant: off (set TENANT_LIMITS)',
);
console.log(`  Try: curl -H 'x-api-key: ${devKey}' ${runtime.apiBase}/models`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void runtime.close().then(() => process.exit(0));
  });
}
