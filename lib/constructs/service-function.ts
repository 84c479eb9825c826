import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { z } from 'zod/mini';
import {
  type BINDING_ENV_VARS,
  environmentSchema,
  type FunctionSpec,
  type TableAction,
} from '../../lambdas/platform/function-spec.js';
import type { ServiceTable } from './service-table.js';

/** The repository root: entries and the lock file are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Powertools service name of every function (the `service` dimension of its metrics). */
export const SERVICE_NAME = 'cost-management';
/** EMF namespace of the service's business metrics. */
export const METRICS_NAMESPACE = 'CostManagement';
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** ESM bundles still meet CommonJS dependencies that call `require`; give them one. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

type BindingEnvVar = (typeof BINDING_ENV_VARS)[keyof typeof BINDING_ENV_VARS];

/**
 * The `environment` prop of a function, typed from its spec's zod fields: every field the
 * spec declares (optional where the schema has a default), minus the variables that table
 * and resource bindings set themselves.
 */
export type ServiceFunctionEnvironment<S extends FunctionSpec> = {
  [K in keyof z.input<z.ZodMiniObject<S['env']>> as K extends BindingEnvVar ? never : K]: string;
};

export interface ServiceFunctionProps<S extends FunctionSpec> {
  spec: S;
  /** Handler file; default `lambdas/functions/<spec.name>-handler.ts`, which must export `handler`. */
  entry?: string;
  environment?: ServiceFunctionEnvironment<S>;
  /** Default: the spec's `memoryMb`, else 512. */
  memorySize?: number;
  /** Default: the spec's `timeoutSeconds`, else 10 s. */
  timeout?: Duration;
  /** Default one month. */
  logRetention?: logs.RetentionDays;
  /** For asynchronous invocations: where events go after the retries are spent. */
  deadLetterQueue?: sqs.IQueue;
  /** Retries of a failed asynchronous invocation (0–2); only with `deadLetterQueue`. */
  retryAttempts?: number;
  /** Topic the error and throttle alarms notify. */
  alarmTopic?: sns.ITopic;
}

/**
 * One Lambda function with the service defaults: Node.js 22 on ARM64, an esbuild ESM bundle
 * (minified, source maps, nothing external, so only the AWS SDK clients it imports ship), JSON
 * logs into its own log group with retention, active X-Ray tracing, the Powertools settings,
 * its own role that may write to that log group and nothing else until bound to a resource,
 * and alarms on errors and throttles. Synthesis fails if a variable the spec requires is
 * never set.
 */
export class ServiceFunction<S extends FunctionSpec = FunctionSpec> extends Construct {
  readonly spec: S;
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly throttlesAlarm: cloudwatch.Alarm;
  private readonly environmentNames = new Set<string>();

  constructor(scope: Construct, id: string, props: ServiceFunctionProps<S>) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;
    const entry = props.entry ?? path.join(PROJECT_ROOT, 'lambdas', 'functions', `${spec.name}-handler.ts`);
    if (!existsSync(entry)) {
      throw new Error(`Function '${spec.name}' has no handler file ${path.relative(PROJECT_ROOT, entry)}.`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${spec.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
      ...(props.environment as Record<string, string> | undefined),
    };
    for (const name of Object.keys(environment)) this.environmentNames.add(name);

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      description: spec.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? spec.memoryMb ?? 512,
      timeout: props.timeout ?? Duration.seconds(spec.timeoutSeconds ?? 10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment,
      ...(props.deadLetterQueue
        ? { deadLetterQueue: props.deadLetterQueue, retryAttempts: props.retryAttempts ?? 2 }
        : {}),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        externalModules: [],
        logLevel: LogLevel.WARNING,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The service targets nodejs22.x: bundles are built for node22 and tested on it; moving to a newer runtime is a change of FUNCTION_RUNTIME after testing on it.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });

    this.errorsAlarm = this.alarm('ErrorsAlarm', this.function.metricErrors(), 'failed invocations');
    this.throttlesAlarm = this.alarm(
      'ThrottlesAlarm',
      this.function.metricThrottles(),
      'throttled invocations',
    );
    if (props.alarmTopic) {
      for (const alarm of [this.errorsAlarm, this.throttlesAlarm])
        alarm.addAlarmAction(new SnsAction(props.alarmTopic));
    }

    this.node.addValidation({ validate: () => this.missingEnvironment() });
  }

  /** Sets one environment variable and remembers it for the synth-time completeness check. */
  setEnvironment(name: string, value: string): void {
    this.function.addEnvironment(name, value);
    this.environmentNames.add(name);
  }

  addToRolePolicy(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /** Required variables of the spec's schema that nothing sets. */
  missingEnvironment(): string[] {
    const shape = environmentSchema(this.spec).shape as Record<string, z.ZodMiniType>;
    return Object.entries(shape)
      .filter(([name, field]) => !this.environmentNames.has(name) && !field.safeParse(undefined).success)
      .map(([name]) => `Function '${this.spec.name}' never gets its required environment variable ${name}.`);
  }

  private alarm(id: string, metric: cloudwatch.Metric, what: string): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription: `${this.spec.name}: ${what} in the last 5 minutes`,
      metric: metric.with({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

/**
 * Binds a table to a function: sets the table's environment variable to its physical name
 * and grants exactly `dynamodb:<action>` for the given actions on that table's ARN, plus
 * `dynamodb:Query` on each of its named indexes when `Query` is among them. Env var and
 * grant are set together so they cannot drift; nothing is granted on `*` or `dynamodb:*`.
 */
export function bindTable(fn: ServiceFunction, table: ServiceTable, actions: readonly TableAction[]): void {
  if (actions.length === 0)
    throw new Error(`Function '${fn.spec.name}' binds ${table.definition.name} with no action.`);
  const unique = [...new Set(actions)].sort();
  fn.setEnvironment(table.definition.envVar, table.table.tableName);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: unique.map((action) => `dynamodb:${action}`),
      resources: [table.table.tableArn],
    }),
  );
  if (unique.includes('Query') && table.definition.indexes.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: table.definition.indexes.map((index) => `${table.table.tableArn}/index/${index.name}`),
      }),
    );
  }
  if (table.key) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: tableKeyActions(unique),
        resources: [table.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(fn).region}.amazonaws.com` } },
      }),
    );
  }
}

/** DynamoDB actions that write items: their caller must also be allowed to encrypt with the table's key. */
const WRITE_ACTIONS: readonly TableAction[] = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

/**
 * What a function may do with a table's own key, through DynamoDB only: decrypt to read; also
 * encrypt (and make data keys) when it writes. The same actions as CDK's table grants, spelled
 * out without wildcards.
 */
export function tableKeyActions(actions: readonly TableAction[]): string[] {
  const read = ['kms:Decrypt', 'kms:DescribeKey'];
  if (!actions.some((a) => WRITE_ACTIONS.includes(a))) return read;
  return [
    ...read,
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:ReEncryptFrom',
    'kms:ReEncryptTo',
  ].sort();
}
