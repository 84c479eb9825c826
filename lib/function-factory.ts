import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { BINDING_ENV_VARS, type TableAction } from '../lambdas/platform/function-spec.js';
import type { TableKey } from '../lambdas/platform/tables.js';
import {
  allowCostExplorer,
  allowSms,
  bindApiKeysSecret,
  bindEventBus,
  bindSenderEmail,
  bindTopic,
  type SenderBinding,
} from './constructs/bindings.js';
import { DeadLetterQueue } from './constructs/dead-letter-queue.js';
import { bindTable, ServiceFunction } from './constructs/service-function.js';
import type { ServiceTable } from './constructs/service-table.js';
import type { RegisteredFunction } from './functions.js';

export type ServiceTables = Readonly<Record<TableKey, ServiceTable>>;

/** What a stack can offer the functions it creates; a binding to something absent fails synthesis. */
export interface ServiceResources {
  /** Name of the providing stack, for error messages. */
  stackName: string;
  tables: ServiceTables;
  alarmTopic?: sns.ITopic;
  topics?: { alerts: sns.ITopic; emergency: sns.ITopic; key: kms.IKey };
  sender?: SenderBinding;
  eventBus?: events.IEventBus;
  apiKeysSecret?: secretsmanager.ISecret;
  /** The web console's URL, set as `CONSOLE_URL` on the functions whose spec reads it (alert links). */
  consoleUrl?: string;
}

/** The variable of a spec that wants the console's URL (the notifier's and the sweep's alert links). */
export const CONSOLE_URL_ENV = 'CONSOLE_URL';

/** `track-usage-batch` → `TrackUsageBatch`. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

function required<T>(value: T | undefined, fn: string, what: string, resources: ServiceResources): T {
  if (value === undefined)
    throw new Error(
      `Function '${fn}' needs ${what}, which the ${resources.stackName} stack does not provide.`,
    );
  return value;
}

/**
 * Creates a registered function and binds everything its spec asks for: each table with its
 * exact actions, the topics it publishes to, the SES sender, the event bus, the API-key secret
 * and SMS. Nothing else is granted.
 */
export function createServiceFunction(
  scope: Construct,
  registered: RegisteredFunction,
  resources: ServiceResources,
  options: { deadLetterQueue?: DeadLetterQueue; timeoutSeconds?: number } = {},
): ServiceFunction {
  const { spec } = registered;
  const timeoutSeconds = spec.timeoutSeconds ?? options.timeoutSeconds;
  const fn = new ServiceFunction(scope, `${pascalCase(spec.name)}Function`, {
    spec,
    ...(registered.entry ? { entry: registered.entry } : {}),
    ...(registered.environment ? { environment: registered.environment } : {}),
    ...(timeoutSeconds ? { timeout: Duration.seconds(timeoutSeconds) } : {}),
    ...(options.deadLetterQueue ? { deadLetterQueue: options.deadLetterQueue.queue } : {}),
    ...(resources.alarmTopic ? { alarmTopic: resources.alarmTopic } : {}),
  });
  for (const [key, actions] of Object.entries(spec.tables) as [TableKey, readonly TableAction[]][]) {
    bindTable(fn, resources.tables[key], actions);
  }
  for (const topic of spec.publishes ?? []) {
    const topics = required(resources.topics, spec.name, 'the alert topics', resources);
    bindTopic(fn, topic, topics[topic], topics.key);
  }
  if (spec.sendsEmail) {
    const sender = required(resources.sender, spec.name, 'the SES sender identity', resources);
    bindSenderEmail(fn, sender);
  }
  if (spec.putsEvents) bindEventBus(fn, required(resources.eventBus, spec.name, 'the event bus', resources));
  if (spec.readsApiKeys) {
    bindApiKeysSecret(fn, required(resources.apiKeysSecret, spec.name, 'the API-key secret', resources));
  }
  if (spec.sendsSms) allowSms(fn);
  if (spec.readsCostExplorer) allowCostExplorer(fn);
  if (resources.consoleUrl && CONSOLE_URL_ENV in spec.env)
    fn.setEnvironment(CONSOLE_URL_ENV, resources.consoleUrl);
  return fn;
}

/** Retries of EventBridge when it cannot hand an event to Lambda, and how long it keeps trying. */
export const TARGET_RETRY_ATTEMPTS = 4;
export const TARGET_MAX_EVENT_AGE = Duration.hours(2);

/**
 * An asynchronously invoked function with its dead-letter queue: Lambda retries a failed
 * invocation twice, EventBridge retries a failed delivery, and what still fails lands in the
 * queue (one queue for both), whose depth is alarmed. Returns the rule target to add.
 */
export function createAsyncFunction(
  scope: Construct,
  registered: RegisteredFunction,
  resources: ServiceResources,
): { fn: ServiceFunction; dlq: DeadLetterQueue; target: targets.LambdaFunction } {
  const dlq = new DeadLetterQueue(scope, `${pascalCase(registered.spec.name)}DeadLetters`, {
    purpose: registered.spec.name,
    ...(resources.alarmTopic ? { alarmTopic: resources.alarmTopic } : {}),
  });
  const fn = createServiceFunction(scope, registered, resources, {
    deadLetterQueue: dlq,
    timeoutSeconds: 60,
  });
  // The function may park what it gives up on in the same queue (sqs:SendMessage comes with the DLQ).
  fn.setEnvironment(BINDING_ENV_VARS.deadLetterQueue, dlq.queue.queueUrl);
  const target = new targets.LambdaFunction(fn.function, {
    deadLetterQueue: dlq.queue,
    retryAttempts: TARGET_RETRY_ATTEMPTS,
    maxEventAge: TARGET_MAX_EVENT_AGE,
  });
  // What `npm run dlq:replay` needs: the queue to read and the function to hand the events back to.
  const name = pascalCase(registered.spec.name);
  new CfnOutput(scope, `${name}DeadLetterQueueUrl`, {
    value: dlq.queue.queueUrl,
    description: `Dead-letter queue of ${registered.spec.name} (npm run dlq:replay -- --queue)`,
  });
  new CfnOutput(scope, `${name}FunctionName`, {
    value: fn.function.functionName,
    description: `The ${registered.spec.name} function (npm run dlq:replay -- --function)`,
  });
  return { fn, dlq, target };
}
