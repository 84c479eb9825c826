import * as z from 'zod/mini';
import { CONSOLE_ORIGIN_ENV } from './console-origin.js';
import { TABLES, type TableKey } from './tables.js';

/** DynamoDB actions a function may be granted on one table (and its indexes, for Query). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem'
  /** Whole-table reads: only for rare tenant-wide jobs (retention rewrite) and daily batch jobs, never on a request path. */
  | 'Scan';

/** SNS topics of the service a function may publish to. */
export type TopicKey = 'alerts' | 'emergency';

/**
 * Environment variables the infrastructure sets for the optional bindings of a spec
 * (`publishes`, `sendsEmail`, `putsEvents`, `readsApiKeys`), next to the matching grant.
 */
export const BINDING_ENV_VARS = {
  alertsTopic: 'ALERTS_TOPIC_ARN',
  emergencyTopic: 'EMERGENCY_TOPIC_ARN',
  senderEmail: 'SENDER_EMAIL',
  eventBus: 'EVENT_BUS_NAME',
  apiKeysSecret: 'API_KEYS_SECRET_ARN',
  /** Set on every event- or schedule-triggered function: the URL of its own dead-letter queue. */
  deadLetterQueue: 'DEAD_LETTER_QUEUE_URL',
  /** Set on every function behind the API when the console is deployed: its origin, answered with CORS. */
  consoleOrigin: CONSOLE_ORIGIN_ENV,
} as const;

/** The variable that carries a topic's ARN. */
export function topicEnvVar(topic: TopicKey): string {
  return topic === 'alerts' ? BINDING_ENV_VARS.alertsTopic : BINDING_ENV_VARS.emergencyTopic;
}

/**
 * What one Lambda function needs: the tables it touches with the exact actions, and the
 * rest of its environment. The same spec validates the environment at cold start, types
 * the CDK construct's environment prop, and drives the IAM grants, so env vars and grants
 * cannot drift apart.
 */
export interface FunctionSpec<E extends z.core.$ZodShape = z.core.$ZodShape> {
  /** Folder name under `lambdas/`. */
  name: string;
  description: string;
  tables: Partial<Record<TableKey, readonly TableAction[]>>;
  /** Further environment variables (besides the table names), as zod fields. */
  env: E;
  /** Topics it publishes to: sets `ALERTS_TOPIC_ARN` / `EMERGENCY_TOPIC_ARN`, grants `sns:Publish` on each. */
  publishes?: readonly TopicKey[];
  /** Sends email with SES: sets `SENDER_EMAIL`, grants `ses:SendEmail` from that identity only. */
  sendsEmail?: boolean;
  /** Sends SMS straight to phone numbers through SNS (a phone number has no ARN to scope the grant to). */
  sendsSms?: boolean;
  /** Puts events on the service's event bus: sets `EVENT_BUS_NAME`, grants `events:PutEvents` on that bus. */
  putsEvents?: boolean;
  /** Reads the API-key hashes: sets `API_KEYS_SECRET_ARN`, grants `secretsmanager:GetSecretValue` on it. */
  readsApiKeys?: boolean;
  /** Reads the bill from Cost Explorer: grants `ce:GetCostAndUsage` (which has no resource to scope it to). */
  readsCostExplorer?: boolean;
  /** Lambda memory in MB (default 512). */
  memoryMb?: number;
  /** Lambda timeout in seconds (default 10 behind the API, 60 for event and schedule triggers). */
  timeoutSeconds?: number;
}

export function defineFunction<E extends z.core.$ZodShape>(spec: FunctionSpec<E>): FunctionSpec<E> {
  return spec;
}

type TableEnv<S extends FunctionSpec> = {
  [K in keyof S['tables'] & TableKey as (typeof TABLES)[K]['envVar']]: string;
};

export type FunctionEnvironment<S extends FunctionSpec> = TableEnv<S> & z.output<z.ZodMiniObject<S['env']>>;

/** The zod schema of a function's whole environment: one name per table, plus its own fields. */
export function environmentSchema<S extends FunctionSpec>(spec: S): z.ZodMiniObject {
  const tableFields: Record<string, z.ZodMiniString> = {};
  for (const key of Object.keys(spec.tables) as TableKey[]) {
    tableFields[TABLES[key].envVar] = z.string().check(z.minLength(3), z.maxLength(255));
  }
  for (const name of bindingEnvVars(spec)) tableFields[name] = z.string().check(z.minLength(1));
  return z.object({ ...tableFields, ...spec.env });
}

/** The variables the optional bindings of `spec` set (its own `env` fields may refine them). */
export function bindingEnvVars(spec: FunctionSpec): string[] {
  const names = (spec.publishes ?? []).map(topicEnvVar);
  if (spec.sendsEmail) names.push(BINDING_ENV_VARS.senderEmail);
  if (spec.putsEvents) names.push(BINDING_ENV_VARS.eventBus);
  if (spec.readsApiKeys) names.push(BINDING_ENV_VARS.apiKeysSecret);
  return names;
}

/** Validates the environment at cold start; a misconfigured function fails loudly, once. */
export function loadEnvironment<S extends FunctionSpec>(
  spec: S,
  env: Record<string, string | undefined> = process.env,
): FunctionEnvironment<S> {
  const result = environmentSchema(spec).safeParse(env);
  if (!result.success) {
    const fields = result.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`Function ${spec.name} is misconfigured: bad or missing environment ${fields}`);
  }
  return result.data as FunctionEnvironment<S>;
}
