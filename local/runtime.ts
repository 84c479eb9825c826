import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONTRACT_ROUTES, routeKey } from '@cost-management/contract';
import { BENCHMARKS } from '@cost-management/core';
import { HANDLER_ROUTES } from '../lambdas/functions/routes.js';
import { parseApiKeys } from '../lambdas/platform/api-keys.js';
import { physicalTableName, TABLES } from '../lambdas/platform/tables.js';
import type { TenantLimits } from '../lambdas/platform/tenant-limits.js';
import { DynamoBenchmarkStore } from '../lambdas/usage/adapters/dynamo-read-stores.js';
import {
  type AlertingRuntime,
  type AlertingRuntimeOptions,
  startAlertingRuntime,
} from './alerting-runtime.js';
import { consoleRoutes } from './console-static.js';
import { ensureTables, tableEnvironment } from './create-tables.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { freePort } from './free-port.js';
import {
  baseTemplate,
  createLocalHttpServer,
  type LocalRoute,
  listen,
  type ProxyHandler,
} from './http-server.js';
import { TenantRateLimiter } from './tenant-rate-limiter.js';

export interface LocalRuntimeOptions {
  /** TCP port for the API; 0 picks a free one. */
  port: number;
  /** `tenantA:keyA,tenantB:keyB`; unset means tenant `local` with key `local-dev-key`. */
  apiKeys?: string;
  host?: string;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  /** Where DynamoDB Local keeps its data; `null` keeps it in memory. */
  dataDir?: string | null;
  /** Prefix of the physical table names (several runtimes can share one DynamoDB). */
  tablePrefix?: string;
  /** SES emulator port, alert sinks' directory and sweep interval (see `startAlertingRuntime`). */
  alerting?: AlertingRuntimeOptions;
  /** The console URL alert notices link to; default: this runtime's own `/console/`. */
  consoleUrl?: string;
  /**
   * Each tenant's request rate, as the deployed usage plans enforce it (`TENANT_LIMITS` in
   * `npm start`); unset: no per-tenant limit (tests and `npm run bench` send bursts from one tenant).
   */
  tenantLimits?: TenantLimits;
  /** The rate limiter's clock in milliseconds (tests); default `performance.now`. */
  rateLimitClock?: () => number;
}

export interface LocalRuntime {
  url: string;
  /** The base URL of the API, `<url>/api/cost-management`. */
  apiBase: string;
  dynamodbEndpoint: string;
  /** SES emulator, SMS log, event bus and sweep. */
  alerting: AlertingRuntime;
  close(): Promise<void>;
}

async function loadHandler(fn: string): Promise<ProxyHandler> {
  const mod = (await import(`../lambdas/functions/${fn}-handler.ts`)) as { handler: ProxyHandler };
  return mod.handler;
}

/** Builds the local route table from the same handler table the deployed API uses. */
export async function localRoutes(): Promise<LocalRoute[]> {
  const authByKey = new Map(CONTRACT_ROUTES.map((r) => [routeKey(r), r.auth]));
  return Promise.all(
    HANDLER_ROUTES.map(async (route) => ({
      method: route.method,
      template: baseTemplate(route.path),
      auth: authByKey.get(routeKey(route)) ?? true,
      handler: await loadHandler(route.fn),
    })),
  );
}

/**
 * Starts the whole service on this machine: DynamoDB (embedded DynamoDB Local unless an
 * endpoint is given) with every table, and the HTTP API serving the Lambda handlers.
 * Handlers read their configuration from the environment, as in Lambda.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const keyring = parseApiKeys(options.apiKeys);
  const dynamo = options.dynamodbEndpoint
    ? undefined
    : await startDynamoDbLocal(options.dataDir ? { dataDir: options.dataDir } : {});
  const endpoint = options.dynamodbEndpoint ?? (dynamo as DynamoDbLocal).endpoint;
  Object.assign(process.env, {
    // Node 20 runs the local runtime; the deployed functions run on nodejs22.x.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // EMF lines are for CloudWatch; locally they would only flood the console.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    // One process, one retention cache shared by every handler: a retention job may start at once.
    RETENTION_JOB_DELAY_SECONDS: process.env.RETENTION_JOB_DELAY_SECONDS ?? '0',
    ...tableEnvironment(options.tablePrefix),
  });
  try {
    return await serve(options, keyring, endpoint, dynamo);
  } catch (error) {
    await dynamo?.stop();
    throw error;
  }
}

async function serve(
  options: LocalRuntimeOptions,
  keyring: ReturnType<typeof parseApiKeys>,
  endpoint: string,
  dynamo: DynamoDbLocal | undefined,
): Promise<LocalRuntime> {
  const admin = new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureTables(admin, options.tablePrefix);
    // Deployed stacks write the benchmark reference rows at deploy time; locally, at start.
    await new DynamoBenchmarkStore(
      DynamoDBDocumentClient.from(admin),
      physicalTableName(TABLES.benchmarks, options.tablePrefix),
    ).seed(BENCHMARKS);
  } finally {
    admin.destroy();
  }
  // The port is known before the notifier and the sweep load: their notices link to this console.
  const port = options.port === 0 ? await freePort() : options.port;
  const host = options.host ?? '127.0.0.1';
  const linkHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  process.env.CONSOLE_URL = options.consoleUrl || `http://${linkHost}:${port}/console/`;
  const alerting = await startAlertingRuntime(options.alerting);
  const server: Server = createLocalHttpServer(
    [...(await localRoutes()), ...alerting.routes, ...consoleRoutes()],
    keyring,
    options.tenantLimits
      ? { rateLimiter: new TenantRateLimiter(options.tenantLimits, options.rateLimitClock) }
      : {},
  );
  const url = await listen(server, port, host);
  return {
    url,
    apiBase: `${url}${baseTemplate('')}`,
    dynamodbEndpoint: endpoint,
    alerting,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await alerting.close();
      await dynamo?.stop();
    },
  };
}
