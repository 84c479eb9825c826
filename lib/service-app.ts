import { CrossStackReferences, type Environment, ReferenceStrength, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { HANDLER_ROUTES, type HandlerRoute } from '../lambdas/functions/routes.js';
import { AlertingStack } from './alerting-stack.js';
import { ApiStack, type ApiThrottling, restApiName } from './api-stack.js';
import { applyDeploymentEnvironment, captureEnvironment } from './capture-config.js';
import type { ServiceConfig } from './config.js';
import { ConsoleStack } from './console-stack.js';
import { DataStack } from './data-stack.js';
import { FUNCTIONS, type RegisteredFunction, registryProblems } from './functions.js';
import { OperationsStack } from './operations-stack.js';

export interface ServiceStacksOptions {
  config: ServiceConfig;
  /** The function registry; `FUNCTIONS` unless a test adds its own. */
  functions?: readonly RegisteredFunction[];
  env?: Environment;
  throttling?: ApiThrottling;
  /** The route table; `HANDLER_ROUTES` unless a test pins its own. */
  routes?: readonly HandlerRoute[];
}

export interface ServiceStacks {
  data: DataStack;
  console: ConsoleStack;
  alerting: AlertingStack;
  api: ApiStack;
  operations: OperationsStack;
}

/** `CostManagement-<stage>`: the prefix of the stack names (and so of the generated resource names). */
export function stackPrefix(stage: string): string {
  return `CostManagement-${stage}`;
}

/**
 * The whole service as five stacks with typed props, deployed in this order: Data (tables,
 * benchmark seed) → Console (the web console: S3 behind CloudFront) → Alerting (topics, SES
 * identity, event bus, event-triggered functions; notices link to the console) → Api (REST API,
 * authorizer, route functions; CORS for the console's origin, its `config.json`) → Operations
 * (15-minute schedule, scheduled functions, dashboard). Refuses a registry that does not match
 * the route table.
 */
export function createServiceStacks(scope: Construct, options: ServiceStacksOptions): ServiceStacks {
  const functions = options.functions ?? FUNCTIONS;
  const routes = options.routes ?? HANDLER_ROUTES;
  const problems = registryProblems(functions, routes);
  if (problems.length > 0) throw new Error(`The function registry is inconsistent:\n${problems.join('\n')}`);
  const { config } = options;
  // CloudFormation exports, kept stable by pinning them in the producing stacks (exportValue);
  // the newer weak references (Fn::GetStackOutput) are not used yet.
  CrossStackReferences.of(scope).consume(ReferenceStrength.STRONG);
  const prefix = stackPrefix(config.stage);
  const throttling = options.throttling ?? config.stageLimit;
  const common = { ...(options.env ? { env: options.env } : {}) };

  const data = new DataStack(scope, `${prefix}-Data`, {
    ...common,
    description: 'Cost management: the thirteen DynamoDB tables and the benchmark seed',
    terminationProtection: config.stage === 'prod',
    tablePrefix: config.tablePrefix,
  });
  const webConsole = new ConsoleStack(scope, `${prefix}-Console`, {
    ...common,
    description: 'Cost management: the web console, a private S3 bucket behind CloudFront',
    ...(config.consoleUrl ? { consoleUrl: config.consoleUrl } : {}),
  });
  const alerting = new AlertingStack(scope, `${prefix}-Alerting`, {
    ...common,
    description: 'Cost management: alert topics, SES sender, event bus and event-driven functions',
    senderEmail: config.senderEmail,
    ...(config.senderIdentity ? { senderIdentity: config.senderIdentity } : {}),
    ...(config.createSenderIdentity === false ? { createSenderIdentity: false } : {}),
    ...(config.sesSandbox ? { sesSandbox: true } : {}),
    ...(config.alertPhone ? { alertPhone: config.alertPhone } : {}),
    ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    tables: data.tables,
    functions,
    consoleUrl: webConsole.url,
  });
  const api = new ApiStack(scope, `${prefix}-Api`, {
    ...common,
    description: 'Cost management: REST API, API-key authorizer and route functions',
    stage: config.stage,
    tables: data.tables,
    alerting: alerting.resources,
    functions,
    routes,
    ...(throttling ? { throttling } : {}),
    ...(config.tenantLimits ? { tenantLimits: config.tenantLimits } : {}),
    ...(config.wafRateLimit !== undefined ? { wafRateLimit: config.wafRateLimit } : {}),
    console: { origin: webConsole.origin, bucket: webConsole.bucket },
  });
  const operations = new OperationsStack(scope, `${prefix}-Operations`, {
    ...common,
    description:
      'Cost management: schedules and scheduled functions, invocation-log capture, reconciliation alarm and dashboard',
    stage: config.stage,
    tables: data.tables,
    alerting: alerting.resources,
    functions,
    apiName: restApiName(config.stage),
    functionNamePrefix: prefix,
    ...(config.capture ? { capture: config.capture } : {}),
    consoleUrl: webConsole.url,
  });
  operations.addStackDependency(api, 'the dashboard charts the API');
  // Capture settings reach every function that declares them (the API's usage function too).
  applyDeploymentEnvironment(
    [...alerting.functions, ...api.functions, ...operations.functions],
    captureEnvironment(config.capture),
  );

  for (const stack of [data, webConsole, alerting, api, operations]) {
    Tags.of(stack).add('service', 'cost-management');
    Tags.of(stack).add('stage', config.stage);
  }
  return { data, console: webConsole, alerting, api, operations };
}
