import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { TableAction } from '../../../lambdas/platform/function-spec.js';
import { physicalTableName, TABLES, type TableKey } from '../../../lambdas/platform/tables.js';
import type { ServiceConfig } from '../../../lib/config.js';
import { type ServiceFunction, tableKeyActions } from '../../../lib/constructs/service-function.js';
import type { RegisteredFunction } from '../../../lib/functions.js';
import { createServiceStacks, type ServiceStacks } from '../../../lib/service-app.js';

export const TEST_CONFIG: ServiceConfig = {
  stage: 'test',
  senderEmail: 'alerts@example.org',
  alertPhone: '+4915112345678',
  tablePrefix: 'test',
};

export interface SynthesizedService {
  app: App;
  config: ServiceConfig;
  stacks: ServiceStacks;
  templates: Record<keyof ServiceStacks, Template>;
}

/**
 * Builds the whole service into a fresh app and synthesizes its five templates. With
 * `bundle: false` the Lambda code is not bundled (the templates are the same but for asset
 * hashes); the CLI synth test covers bundling.
 */
export function synthesizeService(
  options: { functions?: readonly RegisteredFunction[]; config?: ServiceConfig; bundle?: boolean } = {},
): SynthesizedService {
  const app = new App(options.bundle === false ? { context: { 'aws:cdk:bundling-stacks': [] } } : {});
  const config = options.config ?? TEST_CONFIG;
  const stacks = createServiceStacks(app, {
    config,
    ...(options.functions ? { functions: options.functions } : {}),
  });
  return {
    app,
    config,
    stacks,
    templates: {
      data: Template.fromStack(stacks.data),
      console: Template.fromStack(stacks.console),
      alerting: Template.fromStack(stacks.alerting),
      api: Template.fromStack(stacks.api),
      operations: Template.fromStack(stacks.operations),
    },
  };
}

/** Logical id of a construct's CloudFormation resource (its default child, or itself). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).getLogicalId(element);
}

type Json = unknown;
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

/**
 * Turns a policy resource value into a readable name: `*`, `table:<physical name>`, its
 * `/index/<name>` suffix, or `<resource type>:<stack>/<logical id>` for anything else, following
 * cross-stack imports to the producing stack's output.
 */
export class ResourceNames {
  private readonly resources = new Map<string, Resources>();
  private readonly exports = new Map<string, { stack: string; value: Json }>();

  constructor(private readonly service: SynthesizedService) {
    for (const [name, template] of Object.entries(service.templates)) {
      const json = template.toJSON() as {
        Resources: Resources;
        Outputs?: Record<string, { Value: Json; Export?: { Name: string } }>;
      };
      this.resources.set(name, json.Resources);
      for (const output of Object.values(json.Outputs ?? {})) {
        if (output.Export) this.exports.set(output.Export.Name, { stack: name, value: output.Value });
      }
    }
  }

  name(value: Json, stack: string): string {
    if (typeof value === 'string') return value;
    const v = value as Record<string, Json>;
    if ('Fn::ImportValue' in v) {
      const exported = this.exports.get(v['Fn::ImportValue'] as string);
      if (!exported) throw new Error(`unknown export ${JSON.stringify(v)}`);
      return this.name(exported.value, exported.stack);
    }
    if ('Fn::Join' in v) {
      const [separator, parts] = v['Fn::Join'] as [string, Json[]];
      return parts.map((part) => this.name(part, stack)).join(separator);
    }
    const id =
      'Ref' in v ? (v.Ref as string) : 'Fn::GetAtt' in v ? (v['Fn::GetAtt'] as string[])[0] : undefined;
    if (id === undefined) return JSON.stringify(value);
    if (id.startsWith('AWS::')) return `{${id}}`;
    const resource = this.resources.get(stack)?.[id];
    if (!resource) throw new Error(`unknown resource ${id} in ${stack}`);
    if (resource.Type === 'AWS::DynamoDB::Table') return `table:${resource.Properties?.TableName as string}`;
    return `${resource.Type}:${stack}/${id}`;
  }

  /** Name of a construct's resource, as `name` gives it. */
  of(construct: IConstruct): string {
    return this.name({ Ref: logicalId(construct) }, stackKey(this.service, construct));
  }
}

/** Which of the service stacks holds a construct. */
export function stackKey(service: SynthesizedService, construct: IConstruct): keyof ServiceStacks {
  const key = (Object.keys(service.stacks) as (keyof ServiceStacks)[]).find(
    (k) => service.stacks[k] === Stack.of(construct),
  );
  if (!key) throw new Error(`${construct.node.path} is in no service stack`);
  return key;
}

export interface Statement {
  effect: string;
  actions: string[];
  resources: string[];
}

const list = (value: Json): Json[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** Every statement of every IAM policy attached to a role, actions sorted, resources named. */
export function roleStatements(service: SynthesizedService, role: IConstruct): Statement[] {
  const stackName = stackKey(service, role);
  const names = new ResourceNames(service);
  const roleId = logicalId(role);
  const policies = service.templates[stackName].findResources('AWS::IAM::Policy');
  const statements: Statement[] = [];
  for (const policy of Object.values(policies)) {
    const roles = list(policy.Properties.Roles) as { Ref?: string }[];
    if (!roles.some((r) => r.Ref === roleId)) continue;
    for (const s of list(policy.Properties.PolicyDocument.Statement) as Record<string, Json>[]) {
      statements.push({
        effect: s.Effect as string,
        actions: (list(s.Action) as string[]).sort(),
        resources: list(s.Resource).map((r) => names.name(r, stackName)),
      });
    }
  }
  return statements;
}

/** Every IAM statement in every template: identity policies and roles' inline policies. */
export function allIdentityStatements(
  service: SynthesizedService,
): { where: string; statement: Record<string, Json> }[] {
  const found: { where: string; statement: Record<string, Json> }[] = [];
  for (const [stack, template] of Object.entries(service.templates)) {
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      for (const s of list(policy.Properties.PolicyDocument.Statement)) {
        found.push({ where: `${stack}/${id}`, statement: s as Record<string, Json> });
      }
    }
    for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
      for (const inline of list(role.Properties.Policies) as { PolicyDocument: { Statement: Json } }[]) {
        for (const s of list(inline.PolicyDocument.Statement)) {
          found.push({ where: `${stack}/${id}`, statement: s as Record<string, Json> });
        }
      }
    }
  }
  return found;
}

export { list };

/** Every service function of the app, whichever stack holds it. */
export function allFunctions(service: SynthesizedService): ServiceFunction[] {
  return [
    ...service.stacks.api.functions,
    ...service.stacks.alerting.functions,
    ...service.stacks.operations.functions,
  ];
}

export function fnNamed(service: SynthesizedService, name: string): ServiceFunction {
  const fn = allFunctions(service).find((f) => f.spec.name === name);
  if (!fn) throw new Error(`no function ${name}`);
  return fn;
}

export function sortStatements(statements: Statement[]): Statement[] {
  return [...statements].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const allow = (actions: string[], resources: string[]): Statement => ({
  effect: 'Allow',
  actions,
  resources,
});

/**
 * The statements a function must have according to its spec and trigger, nothing more and
 * nothing less: its log group, X-Ray, each table with its actions (and the named indexes for
 * Query), each binding, and its dead-letter queue when it is invoked asynchronously.
 */
export function expectedStatements(
  service: SynthesizedService,
  names: ResourceNames,
  fn: ServiceFunction,
): Statement[] {
  const { spec } = fn;
  const { alerting } = service.stacks;
  const prefix = service.config.tablePrefix;
  const expected = [
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [names.of(fn.logGroup)]),
    allow(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], ['*']),
  ];
  for (const [key, actions] of Object.entries(spec.tables) as [TableKey, readonly string[]][]) {
    const table = `table:${physicalTableName(TABLES[key], prefix)}`;
    expected.push(
      allow(
        [...new Set(actions)].sort().map((a) => `dynamodb:${a}`),
        [table],
      ),
    );
    if (actions.includes('Query') && TABLES[key].indexes.length > 0) {
      expected.push(
        allow(
          ['dynamodb:Query'],
          TABLES[key].indexes.map((i) => `${table}/index/${i.name}`),
        ),
      );
    }
    const tableKey = service.stacks.data.tables[key].key;
    if (tableKey) {
      expected.push(allow(tableKeyActions(actions as readonly TableAction[]), [names.of(tableKey)]));
    }
  }
  for (const topic of spec.publishes ?? []) {
    expected.push(
      allow(['sns:Publish'], [names.of(topic === 'alerts' ? alerting.alertsTopic : alerting.emergencyTopic)]),
    );
    expected.push(allow(['kms:Decrypt', 'kms:GenerateDataKey'], [names.of(alerting.topicKey)]));
  }
  if (spec.sendsEmail) {
    expected.push(allow(['ses:SendEmail'], [senderIdentityArn(alerting.senderIdentityName)]));
  }
  if (spec.putsEvents) expected.push(allow(['events:PutEvents'], [names.of(alerting.eventBus)]));
  if (spec.readsApiKeys)
    expected.push(allow(['secretsmanager:GetSecretValue'], [names.of(service.stacks.api.apiKeysSecret)]));
  if (spec.sendsSms) expected.push(allow(['sns:Publish'], ['*']));
  if (spec.readsCostExplorer) expected.push(allow(['ce:GetCostAndUsage'], ['*']));
  const dlq = fn.function.deadLetterQueue;
  if (dlq) expected.push(allow(['sqs:SendMessage'], [names.of(dlq)]));
  return expected;
}

/** The sender identity's ARN as `ResourceNames` shows it: built from its name, in the function's stack. */
export function senderIdentityArn(identity: string): string {
  return `arn:{AWS::Partition}:ses:{AWS::Region}:{AWS::AccountId}:identity/${identity}`;
}

/** The template of the stack that holds a construct. */
export function templateOf(service: SynthesizedService, construct: IConstruct): Template {
  return service.templates[stackKey(service, construct)];
}

/** The synthesized properties of a construct's resource. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON is untyped
export function propertiesOf(service: SynthesizedService, construct: IConstruct): Record<string, any> {
  const resource = templateOf(service, construct).toJSON().Resources[logicalId(construct)];
  if (!resource) throw new Error(`no resource for ${construct.node.path}`);
  return resource.Properties ?? {};
}
