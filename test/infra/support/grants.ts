import type { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { TABLES, type TableKey } from '../../../lambdas/platform/tables.js';
import type { RegisteredFunction } from '../../../lib/functions.js';
import {
  fnNamed,
  list,
  logicalId,
  propertiesOf,
  ResourceNames,
  type SynthesizedService,
  stackKey,
} from './service.js';

/**
 * Grants checked against the AWS requests the code really sends. The scenario of
 * grants-match-code.test.ts runs every deployed function's handler; the recorder here notes each
 * request by the function that sent it (DynamoDB Local answers DynamoDB, mocks answer SES, SNS,
 * SQS, EventBridge, Secrets Manager, S3 and Cost Explorer). Each request becomes the IAM actions
 * and resources it needs (`grantNeeds`), which must be allowed by the function's spec
 * (`missingFromSpec`) and by its role's statements in the synthesized templates
 * (`missingFromPolicy`).
 */

/** One request a function sent through an AWS SDK client. */
export interface SdkCall {
  fn: string;
  /** IAM service prefix: `dynamodb`, `ses`, `sns`, `sqs`, `events`, `secretsmanager`, `s3`, `ce`. */
  service: string;
  /** The API operation (`SendEmail`), or `(unanswered)` for a command the test gives no answer. */
  command: string;
  input: Record<string, unknown>;
  output?: Record<string, unknown>;
}

type AnyClient = Parameters<typeof mockClient>[0];
// biome-ignore lint/suspicious/noExplicitAny: the commands' generics vary per service
type AnyCommand = Parameters<AwsStub<any, any, any>['on']>[0];
/** The answer of a mocked command: its output, or a thrown error. */
// biome-ignore lint/suspicious/noExplicitAny: inputs are the commands' own
export type Answer = (input: any) => Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * Records every SDK request the functions send while they run in `context` (the function's name).
 * `mock` replaces one client class's `send` for every instance, so the real adapters run up to the
 * request; a command without an answer is recorded as `(unanswered)` and fails, so the comparison
 * reports it. `watch` records the requests of a client that stays real (DynamoDB Local).
 */
export class SdkRecorder {
  readonly calls: SdkCall[] = [];
  private readonly undo: (() => void)[] = [];

  constructor(private readonly context: AsyncLocalStorage<string>) {}

  private record(service: string, command: string, input: unknown, output?: unknown): void {
    const fn = this.context.getStore();
    if (!fn) return;
    this.calls.push({
      fn,
      service,
      command,
      input: (input ?? {}) as Record<string, unknown>,
      ...(output ? { output: output as Record<string, unknown> } : {}),
    });
  }

  mock(client: AnyClient, service: string, answers: readonly [AnyCommand, Answer][]): void {
    const stub = mockClient(client);
    stub.onAnyCommand().callsFake((input: unknown) => {
      this.record(service, '(unanswered)', input);
      throw new Error(`${service}: a command the grants test gives no answer`);
    });
    for (const [command, answer] of answers) {
      const name = command.name.replace(/Command$/, '');
      stub.on(command).callsFake(async (input: unknown) => {
        try {
          const output = await answer(input);
          this.record(service, name, input, output);
          return output;
        } catch (error) {
          this.record(service, name, input);
          throw error;
        }
      });
    }
    this.undo.push(() => stub.restore());
  }

  watch(client: DynamoDBDocumentClient, service: string): void {
    const name = `recordGrantNeeds-${service}`;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.record(service, String(context.commandName).replace(/Command$/, ''), args.input);
        return next(args);
      },
      { step: 'initialize', name },
    );
    this.undo.push(() => client.middlewareStack.remove(name));
  }

  restore(): void {
    for (const undo of this.undo.splice(0).reverse()) undo();
  }

  of(fn: string): SdkCall[] {
    return this.calls.filter((c) => c.fn === fn);
  }
}

/** A DynamoDB request as IAM sees it: one action on one table (or one of its indexes). */
export interface TableRequest {
  table: TableKey;
  action: string;
  index?: string;
}

type DynamoInput = Record<string, unknown> & {
  TableName?: string;
  IndexName?: string;
  TransactItems?: Record<string, { TableName: string }>[];
  RequestItems?: Record<string, unknown>;
};

/** The IAM actions one DynamoDB request needs, down to the items of a transaction or batch. */
export function tableRequests(call: SdkCall, tableOf: (name: string) => TableKey): TableRequest[] {
  const input = call.input as DynamoInput;
  switch (call.command) {
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return (input.TransactItems ?? []).flatMap((item) =>
        Object.entries(item).map(([kind, op]) => ({
          table: tableOf(op.TableName),
          action: kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`,
        })),
      );
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(input.RequestItems ?? {}).map((name) => ({
        table: tableOf(name),
        action: call.command,
      }));
    default:
      return [
        {
          table: tableOf(String(input.TableName)),
          action: call.command,
          ...(input.IndexName ? { index: input.IndexName } : {}),
        },
      ];
  }
}

/**
 * What a needed permission names: the resource a function's environment variable points to (with
 * a suffix such as `/index/gsi1`), one of a few ARNs, `*`, or the KMS key that encrypts another
 * resource (a customer-managed key in its template; none: nothing to grant).
 */
export type NeededResource =
  | { kind: 'env'; variable: string; suffix?: string }
  | { kind: 'arn'; arns: string[] }
  | { kind: 'any' }
  | { kind: 'key-of'; of: { kind: 'env'; variable: string } };

/** One IAM permission one recorded request needs. */
export interface Need {
  fn: string;
  action: string;
  resource: NeededResource;
  /** Request context the statement's conditions are evaluated against. */
  context: Record<string, string>;
  /** The spec binding (or trigger) that grants it, as a phrase for messages. */
  binding: string;
  /** Whether a registered function's spec and trigger grant it. */
  granted: (registered: RegisteredFunction) => boolean;
  /** Needed only where the deployment runs in the SES sandbox (recipients are identities too). */
  sesSandboxOnly?: boolean;
}

export function describeResource(resource: NeededResource): string {
  switch (resource.kind) {
    case 'env':
      return `$${resource.variable}${resource.suffix ?? ''}`;
    case 'arn':
      return resource.arns.join(' or ');
    case 'any':
      return '*';
    default:
      return `key of $${resource.of.variable}`;
  }
}

/** Invoked asynchronously (EventBridge rule, schedule, log delivery): it has a dead-letter queue. */
const ASYNC_TRIGGERS = new Set(['event', 'schedule', 'invocation-logs']);
/** The variables of topic ARNs, and the topic each names in a spec's `publishes`. */
const TOPIC_VARIABLES: Record<string, 'alerts' | 'emergency'> = {
  ALERTS_TOPIC_ARN: 'alerts',
  EMERGENCY_TOPIC_ARN: 'emergency',
};
const ARN_PARTS = { partition: 'aws', account: '000000000000' };

export interface NeedOptions {
  /** Physical table name (as the functions ran with it) → table. */
  tableOf: (name: string) => TableKey;
  /** The binding variables the functions ran with (topic ARNs, queue URL, bus name, secret ARN). */
  environment: Readonly<Record<string, string>>;
  region: string;
}

/** The SES identities that may cover an address: the address itself, or its domain. */
function identityArns(address: string, region: string): string[] {
  const base = `arn:${ARN_PARTS.partition}:ses:${region}:${ARN_PARTS.account}:identity/`;
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return [`${base}${address}`, `${base}${domain}`];
}

/** The IAM permissions each recorded request needs, one entry per distinct permission. */
export function grantNeeds(calls: readonly SdkCall[], options: NeedOptions): Need[] {
  const { region } = options;
  const variableHolding = (value: unknown): string | undefined =>
    Object.entries(options.environment).find(([, v]) => v === value)?.[0];
  const envOr = (value: unknown): NeededResource => {
    const variable = variableHolding(value);
    return variable ? { kind: 'env', variable } : { kind: 'arn', arns: [String(value)] };
  };
  const needs: Need[] = [];
  for (const call of calls) {
    const { fn, input } = call;
    const add = (need: Omit<Need, 'fn' | 'context'> & { context?: Record<string, string> }) =>
      needs.push({ fn, context: {}, ...need });
    const unknown = () =>
      add({
        action: `${call.service}:${call.command}`,
        resource: { kind: 'any' },
        binding: 'nothing: the grants test does not know this request',
        granted: () => false,
      });
    switch (call.service) {
      case 'dynamodb': {
        for (const request of tableRequests(call, options.tableOf)) {
          const variable = TABLES[request.table].envVar;
          const bound = (r: RegisteredFunction) => r.spec.tables[request.table] !== undefined;
          add({
            action: `dynamodb:${request.action}`,
            resource: {
              kind: 'env',
              variable,
              ...(request.index ? { suffix: `/index/${request.index}` } : {}),
            },
            binding: `tables.${request.table} with ${request.action}`,
            granted: (r) => (r.spec.tables[request.table] ?? []).some((a: string) => a === request.action),
          });
          // DynamoDB decrypts the table key for every request on a table under a key of the account.
          add({
            action: 'kms:Decrypt',
            resource: { kind: 'key-of', of: { kind: 'env', variable } },
            context: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` },
            binding: `tables.${request.table}`,
            granted: bound,
          });
        }
        break;
      }
      case 'ses': {
        if (call.command !== 'SendEmail') {
          unknown();
          break;
        }
        const from = String(input.FromEmailAddress);
        const context = { 'ses:FromAddress': from };
        const granted = (r: RegisteredFunction) => r.spec.sendsEmail === true;
        add({
          action: 'ses:SendEmail',
          resource: { kind: 'arn', arns: identityArns(from, region) },
          context,
          binding: 'sendsEmail',
          granted,
        });
        const destination = (input.Destination ?? {}) as Record<string, string[] | undefined>;
        const recipients = [
          ...(destination.ToAddresses ?? []),
          ...(destination.CcAddresses ?? []),
          ...(destination.BccAddresses ?? []),
        ];
        for (const recipient of recipients) {
          add({
            action: 'ses:SendEmail',
            resource: { kind: 'arn', arns: identityArns(recipient, region) },
            context,
            binding: 'sendsEmail (a recipient in the SES sandbox)',
            granted,
            sesSandboxOnly: true,
          });
        }
        break;
      }
      case 'sns': {
        if (call.command !== 'Publish') {
          unknown();
          break;
        }
        if (input.PhoneNumber !== undefined) {
          add({
            action: 'sns:Publish',
            resource: { kind: 'any' },
            binding: 'sendsSms',
            granted: (r) => r.spec.sendsSms === true,
          });
          break;
        }
        const resource = envOr(input.TopicArn);
        const topic = resource.kind === 'env' ? TOPIC_VARIABLES[resource.variable] : undefined;
        const granted = (r: RegisteredFunction) =>
          topic !== undefined && (r.spec.publishes ?? []).includes(topic);
        const binding = `publishes ${topic ?? String(input.TopicArn)}`;
        add({ action: 'sns:Publish', resource, binding, granted });
        if (resource.kind === 'env') {
          // Publishing to an encrypted topic: SNS makes and decrypts a data key with the topic's key.
          for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
            add({
              action,
              resource: { kind: 'key-of', of: resource },
              context: { 'kms:ViaService': `sns.${region}.amazonaws.com` },
              binding,
              granted,
            });
          }
        }
        break;
      }
      case 'events': {
        if (call.command !== 'PutEvents') {
          unknown();
          break;
        }
        const entries = (input.Entries ?? []) as { EventBusName?: string }[];
        for (const bus of new Set(entries.map((e) => e.EventBusName ?? 'default'))) {
          add({
            action: 'events:PutEvents',
            resource: envOr(bus),
            binding: 'putsEvents',
            granted: (r) => r.spec.putsEvents === true,
          });
        }
        break;
      }
      case 'sqs': {
        if (call.command !== 'SendMessage') {
          unknown();
          break;
        }
        const resource = envOr(input.QueueUrl);
        const binding = 'its dead-letter queue (an asynchronous trigger)';
        const granted = (r: RegisteredFunction) => ASYNC_TRIGGERS.has(r.trigger.kind);
        add({ action: 'sqs:SendMessage', resource, binding, granted });
        if (resource.kind === 'env') {
          // A queue under a customer-managed key: the sender makes and decrypts a data key with it.
          for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
            add({
              action,
              resource: { kind: 'key-of', of: resource },
              context: { 'kms:ViaService': `sqs.${region}.amazonaws.com` },
              binding,
              granted,
            });
          }
        }
        break;
      }
      case 'secretsmanager': {
        if (call.command !== 'GetSecretValue') {
          unknown();
          break;
        }
        const resource = envOr(input.SecretId);
        const granted = (r: RegisteredFunction) => r.spec.readsApiKeys === true;
        add({ action: 'secretsmanager:GetSecretValue', resource, binding: 'readsApiKeys', granted });
        if (resource.kind === 'env') {
          // A secret under a customer-managed key: Secrets Manager decrypts it for the reader.
          add({
            action: 'kms:Decrypt',
            resource: { kind: 'key-of', of: resource },
            context: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
            binding: 'readsApiKeys',
            granted,
          });
        }
        break;
      }
      case 's3': {
        if (call.command !== 'GetObject') {
          unknown();
          break;
        }
        const granted = (r: RegisteredFunction) => r.trigger.kind === 'invocation-logs';
        add({
          action: 's3:GetObject',
          resource: { kind: 'arn', arns: [`arn:${ARN_PARTS.partition}:s3:::${input.Bucket}/${input.Key}`] },
          binding: 'the invocation-log trigger (the delivery bucket)',
          granted,
        });
        // An object encrypted with a customer-managed key: S3 decrypts its data key for the reader.
        const key = call.output?.SSEKMSKeyId;
        if (call.output?.ServerSideEncryption === 'aws:kms' && typeof key === 'string') {
          add({
            action: 'kms:Decrypt',
            resource: { kind: 'arn', arns: [key] },
            context: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
            binding: 'the invocation-log trigger (the delivery bucket key)',
            granted,
          });
        }
        break;
      }
      case 'ce': {
        if (call.command !== 'GetCostAndUsage') {
          unknown();
          break;
        }
        add({
          action: 'ce:GetCostAndUsage',
          resource: { kind: 'any' },
          binding: 'readsCostExplorer',
          granted: (r) => r.spec.readsCostExplorer === true,
        });
        break;
      }
      default:
        unknown();
    }
  }
  const distinct = new Map<string, Need>();
  for (const need of needs) {
    const key = JSON.stringify([
      need.fn,
      need.action,
      need.resource,
      need.context,
      need.sesSandboxOnly ?? false,
    ]);
    if (!distinct.has(key)) distinct.set(key, need);
  }
  return [...distinct.values()];
}

/** A permission that is needed and not granted, and why. */
export interface Missing {
  fn: string;
  action: string;
  resource: string;
  reason: string;
}

const missing = (need: Need, reason: string): Missing => ({
  fn: need.fn,
  action: need.action,
  resource: describeResource(need.resource),
  reason,
});

/** `fn: action on resource`, the form the tests compare. */
export const missingLabel = (m: Missing): string => `${m.fn}: ${m.action} on ${m.resource}`;

/**
 * The needs the functions' specs (and triggers) do not grant. A function that is not registered
 * lacks every need. KMS needs follow the binding that implies them (the table, the topic).
 */
export function missingFromSpec(needs: readonly Need[], functions: readonly RegisteredFunction[]): Missing[] {
  const found: Missing[] = [];
  for (const need of needs) {
    const registered = functions.find((f) => f.spec.name === need.fn);
    if (!registered) found.push(missing(need, 'not a registered function'));
    else if (!need.granted(registered)) found.push(missing(need, `its spec lacks ${need.binding}`));
  }
  return dedupe(found);
}

function dedupe(found: Missing[]): Missing[] {
  const seen = new Set<string>();
  return found.filter((m) => {
    const key = missingLabel(m);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The bindings of the specs besides tables (`sendsEmail`, `sendsSms`, each topic of `publishes`,
 * `putsEvents`, `readsApiKeys`, `readsCostExplorer`) that no need of the function uses, as
 * `fn: binding`: a grant the scenario never showed to be needed.
 */
export function unusedBindings(needs: readonly Need[], functions: readonly RegisteredFunction[]): string[] {
  const unused: string[] = [];
  for (const { spec } of functions) {
    const own = needs.filter((n) => n.fn === spec.name);
    const uses = (action: string, test: (n: Need) => boolean = () => true) =>
      own.some((n) => n.action === action && test(n));
    const env = (variable: string) => (n: Need) =>
      n.resource.kind === 'env' && n.resource.variable === variable;
    const bindings: [string, boolean | undefined, () => boolean][] = [
      ['sendsEmail', spec.sendsEmail, () => uses('ses:SendEmail')],
      ['sendsSms', spec.sendsSms, () => uses('sns:Publish', (n) => n.resource.kind === 'any')],
      ['putsEvents', spec.putsEvents, () => uses('events:PutEvents')],
      ['readsApiKeys', spec.readsApiKeys, () => uses('secretsmanager:GetSecretValue')],
      ['readsCostExplorer', spec.readsCostExplorer, () => uses('ce:GetCostAndUsage')],
      ...(spec.publishes ?? []).map((topic): [string, boolean, () => boolean] => [
        `publishes ${topic}`,
        true,
        () =>
          uses(
            'sns:Publish',
            env(Object.keys(TOPIC_VARIABLES).find((v) => TOPIC_VARIABLES[v] === topic) as string),
          ),
      ]),
    ];
    for (const [name, bound, used] of bindings) if (bound && !used()) unused.push(`${spec.name}: ${name}`);
  }
  return unused;
}

/** One statement of a role's policies: actions, resources and conditions with intrinsics named. */
export interface GrantStatement {
  effect: string;
  actions: string[];
  resources: string[];
  /** Operator → condition key → values. */
  conditions: Record<string, Record<string, string[]>>;
}

/** What the synthesized templates grant each function, and what its environment points to. */
export interface DeployedGrants {
  /** Whether this deployment runs in the SES sandbox (recipients are checked as identities too). */
  sesSandbox: boolean;
  /** Function name → every statement of its role. */
  statements: ReadonlyMap<string, readonly GrantStatement[]>;
  /** The resource a function's environment variable names in the template, if the variable is set. */
  environmentResource(fn: string, variable: string): string | undefined;
  /** The customer-managed KMS key that encrypts a named resource, if any. */
  keyOf(resource: string): string | undefined;
}

type Json = unknown;
type TemplateResource = { Type: string; Properties?: Record<string, Json> };

/** Reads the grants of every registered function from a synthesized service. */
export function deployedGrants(
  service: SynthesizedService,
  functions: readonly RegisteredFunction[],
): DeployedGrants {
  const names = new ResourceNames(service);
  const resources = Object.fromEntries(
    Object.entries(service.templates).map(([stack, t]) => [
      stack,
      (t.toJSON() as { Resources: Record<string, TemplateResource> }).Resources,
    ]),
  ) as Record<string, Record<string, TemplateResource>>;
  const statements = new Map<string, GrantStatement[]>();
  const environments = new Map<string, { stack: string; variables: Record<string, Json> }>();
  for (const { spec } of functions) {
    const fn = fnNamed(service, spec.name);
    const stack = stackKey(service, fn.role);
    const roleId = logicalId(fn.role);
    const found: GrantStatement[] = [];
    const documents: Json[] = [];
    for (const resource of Object.values(resources[stack] ?? {})) {
      if (resource.Type === 'AWS::IAM::Policy') {
        const roles = list(resource.Properties?.Roles) as { Ref?: string }[];
        if (roles.some((r) => r.Ref === roleId)) documents.push(resource.Properties?.PolicyDocument);
      }
    }
    const role = resources[stack]?.[roleId];
    if (list(role?.Properties?.ManagedPolicyArns).length > 0)
      throw new Error(`${spec.name}: managed policies are not read by the grants check`);
    for (const inline of list(role?.Properties?.Policies) as { PolicyDocument: Json }[])
      documents.push(inline.PolicyDocument);
    for (const document of documents) {
      for (const s of list((document as { Statement: Json }).Statement) as Record<string, Json>[]) {
        if (s.NotAction || s.NotResource || s.NotPrincipal)
          throw new Error(`${spec.name}: NotAction/NotResource is not read by the grants check`);
        const conditions: GrantStatement['conditions'] = {};
        for (const [operator, entries] of Object.entries((s.Condition ?? {}) as Record<string, Json>)) {
          conditions[operator] = Object.fromEntries(
            Object.entries(entries as Record<string, Json>).map(([key, value]) => [
              key,
              list(value).map((v) => names.name(v, stack)),
            ]),
          );
        }
        found.push({
          effect: s.Effect as string,
          actions: list(s.Action) as string[],
          resources: list(s.Resource).map((r) => names.name(r, stack)),
          conditions,
        });
      }
    }
    statements.set(spec.name, found);
    const properties = propertiesOf(service, fn.function) as {
      Environment?: { Variables?: Record<string, Json> };
    };
    environments.set(spec.name, {
      stack: stackKey(service, fn.function),
      variables: properties.Environment?.Variables ?? {},
    });
  }
  const resourceNamed = (name: string): { stack: string; resource: TemplateResource } | undefined => {
    if (name.startsWith('table:')) {
      for (const [stack, all] of Object.entries(resources)) {
        const resource = Object.values(all).find(
          (r) => r.Type === 'AWS::DynamoDB::Table' && r.Properties?.TableName === name.slice('table:'.length),
        );
        if (resource) return { stack, resource };
      }
      return undefined;
    }
    const match = /^[A-Za-z0-9:]+:([a-z]+)\/([A-Za-z0-9]+)$/.exec(name);
    const resource = match ? resources[match[1] as string]?.[match[2] as string] : undefined;
    return match && resource ? { stack: match[1] as string, resource } : undefined;
  };
  return {
    sesSandbox: service.config.sesSandbox === true,
    statements,
    environmentResource(fn, variable) {
      const environment = environments.get(fn);
      const value = environment?.variables[variable];
      return environment && value !== undefined ? names.name(value, environment.stack) : undefined;
    },
    keyOf(resource) {
      const found = resourceNamed(resource);
      if (!found) return undefined;
      const properties = found.resource.Properties ?? {};
      // DynamoDB, SNS and SQS, Secrets Manager: where each names its customer-managed key.
      const key =
        (properties.SSESpecification as { KMSMasterKeyId?: Json } | undefined)?.KMSMasterKeyId ??
        properties.KmsMasterKeyId ??
        properties.KmsKeyId;
      // An AWS-managed key (`alias/aws/sqs`): its key policy admits the account's users of the service.
      if (key === undefined || (typeof key === 'string' && key.startsWith('alias/aws/'))) return undefined;
      return names.name(key, found.stack);
    },
  };
}

/** `{AWS::Region}` and the like stand for any value of one ARN field. */
const PSEUDO = /\{AWS::[A-Za-z]+\}/g;
const escapeRegExp = (text: string) => text.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');

/** A policy string as a pattern: IAM wildcards (`*`, `?`) when `wildcards`, pseudo parameters always. */
function pattern(value: string, wildcards: boolean, caseInsensitive = false): RegExp {
  const parts = value.split(PSEUDO).map((part) => {
    const escaped = escapeRegExp(part);
    return wildcards ? escaped.replace(/\\\*/g, '.*').replace(/\\\?/g, '.') : escaped;
  });
  return new RegExp(`^${parts.join('[^:/]+')}$`, caseInsensitive ? 'i' : '');
}

function conditionsHold(statement: GrantStatement, context: Record<string, string>): boolean {
  return Object.entries(statement.conditions).every(([operator, entries]) =>
    Object.entries(entries).every(([key, values]) => {
      const actual = context[key];
      if (actual === undefined) return false;
      if (operator === 'StringEquals') return values.some((v) => pattern(v, false).test(actual));
      if (operator === 'StringLike') return values.some((v) => pattern(v, true).test(actual));
      throw new Error(`condition operator ${operator} is not read by the grants check`);
    }),
  );
}

const matches = (
  statement: GrantStatement,
  action: string,
  resources: readonly string[],
  context: Record<string, string>,
) =>
  statement.actions.some((a) => pattern(a, true, true).test(action)) &&
  resources.some((resource) => statement.resources.some((r) => pattern(r, true).test(resource))) &&
  conditionsHold(statement, context);

/**
 * The needs the synthesized policies do not allow: the resource a need names is resolved through
 * the function's own environment in the template (so the grant must be on the resource the
 * function is told to use), a key through the template of the resource it encrypts.
 */
export function missingFromPolicy(needs: readonly Need[], deployed: DeployedGrants): Missing[] {
  const found: Missing[] = [];
  for (const need of needs) {
    if (need.sesSandboxOnly && !deployed.sesSandbox) continue;
    const statements = deployed.statements.get(need.fn);
    if (!statements) {
      found.push(missing(need, 'the function is not in the templates'));
      continue;
    }
    let resources: string[];
    const { resource } = need;
    if (resource.kind === 'any') resources = ['*'];
    else if (resource.kind === 'arn') resources = resource.arns;
    else {
      const variable = resource.kind === 'env' ? resource : resource.of;
      const named = deployed.environmentResource(need.fn, variable.variable);
      if (named === undefined) {
        found.push(missing(need, `its template does not set ${variable.variable}`));
        continue;
      }
      if (resource.kind === 'env') resources = [`${named}${resource.suffix ?? ''}`];
      else {
        const key = deployed.keyOf(named);
        // Under an AWS-owned or AWS-managed key: the service's own key policy, nothing to grant.
        if (key === undefined) continue;
        resources = [key];
      }
    }
    const denied = statements.some(
      (s) => s.effect === 'Deny' && matches(s, need.action, resources, need.context),
    );
    const allowed = statements.some(
      (s) => s.effect === 'Allow' && matches(s, need.action, resources, need.context),
    );
    if (denied || !allowed)
      found.push(
        missing(need, `${denied ? 'denied' : 'no statement allows it'} on ${resources.join(' or ')}`),
      );
  }
  return dedupe(found);
}
