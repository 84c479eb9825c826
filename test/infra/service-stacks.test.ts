import { BASE_PATH, CONTRACT_ROUTES } from '@cost-management/contract';
import { BENCHMARKS } from '@cost-management/core';
import { Match } from 'aws-cdk-lib/assertions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_ROUTES } from '../../lambdas/functions/routes.js';
import { topicEnvVar } from '../../lambdas/platform/function-spec.js';
import { BUSINESS_METRICS } from '../../lambdas/platform/metric-names.js';
import { TABLE_LIST, TABLES, type TableKey } from '../../lambdas/platform/tables.js';
import { benchmarkItems } from '../../lib/benchmark-seed.js';
import { FUNCTIONS, functionsOf } from '../../lib/functions.js';
import {
  allFunctions,
  allIdentityStatements,
  expectedStatements,
  fnNamed,
  list,
  logicalId,
  propertiesOf,
  ResourceNames,
  roleStatements,
  type SynthesizedService,
  sortStatements,
  stackKey,
  synthesizeService,
  templateOf,
} from './support/service.js';

let service: SynthesizedService;
let names: ResourceNames;

beforeAll(() => {
  service = synthesizeService();
  names = new ResourceNames(service);
});

describe('data stack', () => {
  it('has exactly the thirteen tables, named with the stage prefix', () => {
    const tables = service.templates.data.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(13);
    const physical = Object.values(tables)
      .map((t) => t.Properties.TableName)
      .sort();
    expect(physical).toEqual(TABLE_LIST.map((t) => `test_${t.name}`).sort());
  });

  it.each(TABLE_LIST.map((t) => [t.name, t] as const))(
    '%s: keys, on-demand, PITR, encryption',
    (_name, table) => {
      service.templates.data.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: `test_${table.name}`,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    },
  );

  it('protects and retains the tables of record, and only those', () => {
    const tables = Object.values(service.templates.data.findResources('AWS::DynamoDB::Table'));
    for (const definition of TABLE_LIST) {
      const table = tables.find((t) => t.Properties.TableName === `test_${definition.name}`);
      expect({
        name: definition.name,
        protection: table?.Properties.DeletionProtectionEnabled ?? false,
        policy: table?.DeletionPolicy,
      }).toEqual({
        name: definition.name,
        protection: definition.retain,
        policy: definition.retain ? 'Retain' : 'Delete',
      });
    }
    expect(TABLE_LIST.filter((t) => t.retain).map((t) => t.name)).toContain('bedrock_token_usage');
  });

  it('encrypts the contacts table with a rotated key of its own, kept with the table, and no other table', () => {
    const tables = Object.values(service.templates.data.findResources('AWS::DynamoDB::Table'));
    const ownKeys = tables
      .filter((t) => t.Properties.SSESpecification?.KMSMasterKeyId)
      .map((t) => [t.Properties.TableName, t.Properties.SSESpecification]);
    const key = service.stacks.data.tables.alertingConfig.key;
    expect(key).toBeDefined();
    expect(ownKeys).toEqual([
      [
        'test_bedrock_alerting_config',
        {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(key as kms.Key), 'Arn'] },
        },
      ],
    ]);
    expect(TABLE_LIST.filter((t) => t.ownKey).map((t) => t.name)).toEqual(['bedrock_alerting_config']);
    const keyResource = service.templates.data.toJSON().Resources[logicalId(key as kms.Key)];
    expect(keyResource).toMatchObject({
      Type: 'AWS::KMS::Key',
      DeletionPolicy: 'Retain',
      Properties: { EnableKeyRotation: true },
    });
    // The other tables keep the AWS-managed key.
    for (const table of tables.filter((t) => t.Properties.TableName !== 'test_bedrock_alerting_config')) {
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    }
  });

  it('expires caches, raw usage records, breaches, control history and data-protection records through expiresAt, nothing else', () => {
    const tables = Object.values(service.templates.data.findResources('AWS::DynamoDB::Table'));
    const withTtl = tables
      .filter((t) => t.Properties.TimeToLiveSpecification)
      .map((t) => [t.Properties.TableName, t.Properties.TimeToLiveSpecification]);
    const ttl = { AttributeName: 'expiresAt', Enabled: true };
    expect(withTtl.sort()).toEqual([
      ['test_bedrock_analytics_cache', ttl],
      ['test_bedrock_control_actions', ttl],
      ['test_bedrock_data_protection', ttl],
      // Only its per-day summaries of records waiting for a price expire; aggregates carry no expiresAt.
      ['test_bedrock_threshold_breaches', ttl],
      ['test_bedrock_token_analytics', ttl],
      ['test_bedrock_token_usage', ttl],
      ['test_bedrock_usage_patterns', ttl],
    ]);
  });

  it('creates the indexes of the definitions with every attribute projected, or the keys only', () => {
    service.templates.data.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'test_bedrock_cost_thresholds',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    const tables = Object.values(service.templates.data.findResources('AWS::DynamoDB::Table'));
    const indexed = tables
      .map((t) => [
        t.Properties.TableName,
        (t.Properties.GlobalSecondaryIndexes ?? []).map((i: { IndexName: string }) => i.IndexName),
      ])
      .filter(([, indexes]) => indexes.length > 0)
      .sort();
    expect(indexed).toEqual([
      ['test_bedrock_auto_control_config', ['gsi1']],
      ['test_bedrock_control_actions', ['gsi1']],
      ['test_bedrock_cost_thresholds', ['gsi1', 'gsi2']],
      ['test_bedrock_threshold_breaches', ['gsi1', 'gsi2', 'gsi3']],
      ['test_bedrock_token_analytics', ['gsi1']],
      ['test_bedrock_token_usage', ['gsi1', 'gsi2']],
    ]);
    // The analytics index holds keys only (the tenant-wide user list, and the unpriced summaries the
    // price sync finds whose usage waits by): an event's increment never writes to it.
    service.templates.data.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'test_bedrock_token_analytics',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('seeds every benchmark row into the benchmarks table at deploy', () => {
    const seeds = Object.values(service.templates.data.findResources('Custom::AWS'));
    expect(seeds).toHaveLength(1);
    const create = JSON.parse(seeds[0]?.Properties.Create as string);
    expect(create).toMatchObject({ service: 'DynamoDB', action: 'BatchWriteItem' });
    const puts = create.parameters.RequestItems.test_bedrock_benchmarks as {
      PutRequest: { Item: unknown };
    }[];
    expect(puts).toHaveLength(BENCHMARKS.length);
    expect(puts.map((p) => p.PutRequest.Item)).toEqual(benchmarkItems());
    expect(seeds[0]?.Properties.Update).toBe(seeds[0]?.Properties.Create);
  });

  it('lets the seed write only BatchWriteItem into the benchmarks table (and its own logs)', () => {
    const seedRole = service.stacks.data.node.findChild('BenchmarkSeedRole');
    const statements = sortStatements(roleStatements(service, seedRole));
    expect(statements).toEqual(
      sortStatements([
        {
          effect: 'Allow',
          actions: ['dynamodb:BatchWriteItem'],
          resources: ['table:test_bedrock_benchmarks'],
        },
        {
          effect: 'Allow',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [names.of(service.stacks.data.node.findChild('BenchmarkSeedLogs'))],
        },
      ]),
    );
  });
});

describe('alerting stack', () => {
  it('has an alerts and an emergency topic, both encrypted with the rotated topic key', () => {
    const { alerting } = service.templates;
    const topics = Object.values(alerting.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(2);
    for (const topic of topics) {
      expect(topic.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [logicalId(service.stacks.alerting.topicKey), 'Arn'],
      });
    }
    alerting.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it.each(['alertsTopic', 'emergencyTopic'] as const)('%s denies publishing without TLS', (key) => {
    const topic = service.stacks.alerting[key];
    service.templates.alerting.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalId(topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowPublishThroughSSLOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Resource: { Ref: logicalId(topic) },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ]),
      },
    });
  });

  it('lets CloudWatch alarms of this account publish to the encrypted topics', () => {
    service.templates.alerting.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    service.templates.alerting.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('verifies the sender email with SES and texts the alert phone on emergencies', () => {
    service.templates.alerting.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'alerts@example.org',
    });
    service.templates.alerting.resourceCountIs('AWS::SES::EmailIdentity', 1);
    service.templates.alerting.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      Endpoint: '+4915112345678',
      TopicArn: { Ref: logicalId(service.stacks.alerting.emergencyTopic) },
    });
  });

  it('routes each event-triggered function its detail type from the service bus, with retries and a DLQ', () => {
    service.templates.alerting.resourceCountIs('AWS::Events::EventBus', 1);
    const rules = Object.values(service.templates.alerting.findResources('AWS::Events::Rule')).map(
      (r) => r.Properties,
    );
    const eventFunctions = functionsOf(FUNCTIONS, 'event');
    expect(rules).toHaveLength(eventFunctions.length);
    for (const registered of eventFunctions) {
      const fn = fnNamed(service, registered.spec.name);
      const rule = rules.find((r) => JSON.stringify(r.Targets).includes(`"${logicalId(fn.function)}","Arn"`));
      expect(rule).toMatchObject({
        EventBusName: { Ref: logicalId(service.stacks.alerting.eventBus) },
        EventPattern: {
          source: ['cost-management'],
          'detail-type': [registered.trigger.detailType, ...(registered.trigger.moreDetailTypes ?? [])],
        },
        Targets: [
          { DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] } } },
        ],
      });
    }
    expect(eventFunctions.map((f) => [f.spec.name, f.trigger.detailType])).toContainEqual([
      'notifier',
      'ThresholdBreached',
    ]);
    // The sweep's notices go to the notifier too; its shards to the sweep worker.
    expect(eventFunctions.find((f) => f.spec.name === 'notifier')?.trigger.moreDetailTypes).toEqual([
      'BreachNoticeRequested',
    ]);
    expect(eventFunctions.map((f) => [f.spec.name, f.trigger.detailType])).toContainEqual([
      'sweep-worker',
      'SweepShardRequested',
    ]);
  });

  it('runs erasure jobs from ErasureRequested with retries and a DLQ, granted only what erasing needs', () => {
    const fn = fnNamed(service, 'erasure');
    service.templates.alerting.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalId(service.stacks.alerting.eventBus) },
      EventPattern: { source: ['cost-management'], 'detail-type': ['ErasureRequested'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
    expect(propertiesOf(service, fn.function)).toMatchObject({ Timeout: 300 });
    const statements = roleStatements(service, fn.role);
    // Deletes where a user's data is; the aggregates' moves and the unpriced summary in transactions.
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          effect: 'Allow',
          actions: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
          resources: ['table:test_bedrock_token_usage'],
        },
        {
          effect: 'Allow',
          actions: ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          resources: ['table:test_bedrock_token_analytics'],
        },
        {
          effect: 'Allow',
          actions: ['dynamodb:BatchWriteItem', 'dynamodb:Query'],
          resources: ['table:test_bedrock_alerting_config'],
        },
        {
          effect: 'Allow',
          actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          resources: ['table:test_bedrock_data_protection'],
        },
        {
          effect: 'Allow',
          actions: ['events:PutEvents'],
          resources: [names.of(service.stacks.alerting.eventBus)],
        },
      ]),
    );
    // Nothing of the tables that hold no user's data, and no put anywhere.
    const granted = statements.flatMap((st) => st.resources).filter((r) => r.startsWith('table:'));
    for (const table of ['model_prices', 'benchmarks', 'cost_monitoring']) {
      expect(granted.some((r) => r.startsWith(`table:test_bedrock_${table}`))).toBe(false);
    }
    expect(statements.flatMap((st) => st.actions)).not.toContain('dynamodb:PutItem');
  });
});

interface MethodInfo {
  method: string;
  path: string;
  properties: Record<string, unknown>;
}

function apiMethods(): MethodInfo[] {
  const template = service.templates.api;
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (id: string | undefined): string => {
    const resource = id ? resources[id] : undefined;
    if (!resource) return '';
    return `${pathOf((resource.Properties.ParentId as { Ref?: string }).Ref)}/${resource.Properties.PathPart}`;
  };
  // The CORS preflights (OPTIONS, answered by API Gateway) are checked with the console stack.
  return Object.values(template.findResources('AWS::ApiGateway::Method'))
    .filter((m) => m.Properties.HttpMethod !== 'OPTIONS')
    .map((m) => ({
      method: m.Properties.HttpMethod,
      path: pathOf(m.Properties.ResourceId.Ref),
      properties: m.Properties,
    }));
}

describe('api stack', () => {
  it('serves every route of the route table under the base path, each by its own function', () => {
    const methods = apiMethods();
    expect(methods.map((m) => `${m.method} ${m.path}`).sort()).toEqual(
      HANDLER_ROUTES.map((r) => `${r.method} ${BASE_PATH}${r.path}`).sort(),
    );
    for (const route of HANDLER_ROUTES) {
      const method = methods.find((m) => m.method === route.method && m.path === `${BASE_PATH}${route.path}`);
      const integration = method?.properties.Integration as { Type: string; Uri: unknown };
      expect(integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Uri)).toContain(
        `"${logicalId(fnNamed(service, route.fn).function)}","Arn"`,
      );
    }
  });

  it('puts the key authorizer on every method except GET /health', () => {
    const authorizerId = logicalId(service.stacks.api.authorizer);
    const methods = apiMethods();
    const open = methods
      .filter((m) => m.properties.AuthorizationType === 'NONE')
      .map((m) => `${m.method} ${m.path}`);
    expect(open).toEqual([`GET ${BASE_PATH}/health`]);
    for (const m of methods.filter((x) => x.path !== `${BASE_PATH}/health`)) {
      expect({
        route: `${m.method} ${m.path}`,
        type: m.properties.AuthorizationType,
        id: m.properties.AuthorizerId,
      }).toEqual({
        route: `${m.method} ${m.path}`,
        type: 'CUSTOM',
        id: { Ref: authorizerId },
      });
    }
    expect(CONTRACT_ROUTES.filter((r) => !r.auth).map((r) => r.path)).toEqual(['/health']);
  });

  it('authorizes with a TOKEN authorizer on the x-api-key header, cached five minutes', () => {
    service.templates.api.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    service.templates.api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.x-api-key',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('validates the body of the routes that take one, and only of those', () => {
    const validatorId = logicalId(service.stacks.api.node.findChild('Api').node.findChild('BodyValidator'));
    service.templates.api.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    const withBody = new Set(
      CONTRACT_ROUTES.filter((r) => r.body).map((r) => `${r.method} ${BASE_PATH}${r.path}`),
    );
    expect(withBody.size).toBeGreaterThan(0);
    for (const m of apiMethods()) {
      const validated = m.properties.RequestValidatorId !== undefined;
      expect({ route: `${m.method} ${m.path}`, validated }).toEqual({
        route: `${m.method} ${m.path}`,
        validated: withBody.has(`${m.method} ${m.path}`),
      });
      if (validated) expect(m.properties.RequestValidatorId).toEqual({ Ref: validatorId });
    }
    service.templates.api.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
    });
  });

  it('logs every request as JSON (with the tenant, never the key), throttles and traces the stage', () => {
    const stage = Object.values(service.templates.api.findResources('AWS::ApiGateway::Stage'))[0]?.Properties;
    expect(stage?.StageName).toBe('test');
    expect(stage?.TracingEnabled).toBe(true);
    expect(stage?.AccessLogSetting.DestinationArn).toEqual({
      'Fn::GetAtt': [logicalId(service.stacks.api.accessLogs), 'Arn'],
    });
    const format = JSON.parse(stage?.AccessLogSetting.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      tenantId: '$context.authorizer.tenantId',
      status: '$context.status',
    });
    expect(stage?.AccessLogSetting.Format).not.toContain('apiKey');
    expect(stage?.MethodSettings).toEqual([
      {
        HttpMethod: '*',
        ResourcePath: '/*',
        DataTraceEnabled: false,
        LoggingLevel: 'ERROR',
        MetricsEnabled: true,
        ThrottlingRateLimit: 500,
        ThrottlingBurstLimit: 1000,
      },
      // The open liveness check's own throttle (test/infra/tenant-limits.test.ts).
      expect.objectContaining({ HttpMethod: 'GET', ResourcePath: '/~1api~1cost-management~1health' }),
    ]);
    service.templates.api.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('answers a rejected key with the 401 error envelope, whether missing or unknown', () => {
    for (const type of ['UNAUTHORIZED', 'ACCESS_DENIED']) {
      service.templates.api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: '401',
        ResponseTemplates: {
          'application/json': JSON.stringify({
            error: { code: 'UNAUTHORIZED', message: 'Missing or unknown API key (header x-api-key).' },
          }),
        },
      });
    }
    service.templates.api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      StatusCode: '429',
      ResponseParameters: { 'gatewayresponse.header.Retry-After': "'1'" },
    });
  });

  it('keeps the API keys in a secret that only the authorizer can read', () => {
    const secretRef = JSON.stringify({ Ref: logicalId(service.stacks.api.apiKeysSecret) });
    const readers = allIdentityStatements(service)
      .filter((s) => JSON.stringify(s.statement).includes(secretRef))
      .map((s) => ({
        where: s.where.split('/')[1]?.replace(/[0-9A-F]{8}$/, ''),
        action: s.statement.Action,
      }));
    expect(readers).toEqual([
      { where: 'AuthorizerFunctionRoleDefaultPolicy', action: 'secretsmanager:GetSecretValue' },
    ]);
    service.templates.api.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: '{}' });
  });

  it('retains the key secret when the stack is deleted, like the data tables', () => {
    const secrets = service.templates.api.findResources('AWS::SecretsManager::Secret');
    expect(Object.values(secrets).map((r) => [r.DeletionPolicy, r.UpdateReplacePolicy])).toEqual([
      ['Retain', 'Retain'],
    ]);
  });

  it('alarms on API 5xx answers to the alerts topic', () => {
    service.templates.api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      AlarmActions: [{ 'Fn::ImportValue': Match.stringLikeRegexp('Alerting:ExportsOutputRefAlertsTopic') }],
    });
  });
});

describe('functions', () => {
  it('creates every registered function, and no other', () => {
    expect(
      allFunctions(service)
        .map((f) => f.spec.name)
        .sort(),
    ).toEqual(FUNCTIONS.map((f) => f.spec.name).sort());
  });

  it('runs every function on nodejs22.x, ARM64, with JSON logs into its own log group and X-Ray', () => {
    for (const fn of allFunctions(service)) {
      const props = propertiesOf(service, fn.function);
      expect({
        name: fn.spec.name,
        runtime: props?.Runtime,
        arch: props?.Architectures,
        tracing: props?.TracingConfig,
      }).toEqual({
        name: fn.spec.name,
        runtime: 'nodejs22.x',
        arch: ['arm64'],
        tracing: { Mode: 'Active' },
      });
      expect(props?.LoggingConfig).toEqual({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
        LogGroup: { Ref: logicalId(fn.logGroup) },
      });
      expect(props?.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'cost-management',
        POWERTOOLS_METRICS_NAMESPACE: 'CostManagement',
      });
    }
    service.templates.api.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('gives the platform function no access to any table', () => {
    for (const name of ['platform-api']) {
      const fn = fnNamed(service, name);
      expect(sortStatements(roleStatements(service, fn.role))).toEqual(
        sortStatements([
          {
            effect: 'Allow',
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [names.of(fn.logGroup)],
          },
          {
            effect: 'Allow',
            actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
            resources: ['*'],
          },
        ]),
      );
    }
  });

  it('lets the authorizer read its secret and nothing else', () => {
    const fn = service.stacks.api.authorizerFunction;
    expect(sortStatements(roleStatements(service, fn.role))).toEqual(
      sortStatements([
        {
          effect: 'Allow',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [names.of(fn.logGroup)],
        },
        { effect: 'Allow', actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] },
        {
          effect: 'Allow',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [names.of(service.stacks.api.apiKeysSecret)],
        },
      ]),
    );
  });

  it('grants every function exactly the table actions of its spec and its bindings', () => {
    for (const fn of allFunctions(service)) {
      expect({ fn: fn.spec.name, statements: sortStatements(roleStatements(service, fn.role)) }).toEqual({
        fn: fn.spec.name,
        statements: sortStatements(expectedStatements(service, names, fn)),
      });
    }
    const usageApi = roleStatements(service, fnNamed(service, 'usage-api').role);
    expect(usageApi).toContainEqual({
      effect: 'Allow',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      resources: ['table:test_bedrock_token_usage'],
    });
  });

  it('lets only the functions bound to the contacts table use its key, through DynamoDB, to decrypt or also encrypt as they read or write', () => {
    const key = service.stacks.data.tables.alertingConfig.key as kms.Key;
    const keyName = names.of(key);
    const users = allIdentityStatements(service).filter(({ where, statement }) =>
      list(statement.Resource).some((r) => names.name(r, where.split('/')[0] as string) === keyName),
    );
    const byFunction = allFunctions(service)
      .map((fn) => ({
        fn: fn.spec.name,
        statements: roleStatements(service, fn.role).filter((st) => st.resources.includes(keyName)),
      }))
      .filter((f) => f.statements.length > 0)
      .map((f) => [f.fn, f.statements.flatMap((st) => st.actions)]);
    expect(byFunction.sort()).toEqual([
      [
        'alerting-api',
        [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
      ],
      // Erasure deletes a user's contacts; the privacy API asks whether an erased user has contacts again.
      [
        'erasure',
        [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
      ],
      ['notifier', ['kms:Decrypt', 'kms:DescribeKey']],
      ['privacy-api', ['kms:Decrypt', 'kms:DescribeKey']],
      // The sweep worker reads the escalation contacts.
      ['sweep-worker', ['kms:Decrypt', 'kms:DescribeKey']],
    ]);
    expect(users).toHaveLength(5);
    for (const { statement } of users) {
      expect(statement.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        },
      });
    }
  });

  it('sets each bound table name in the environment, next to its grant', () => {
    for (const fn of allFunctions(service)) {
      const vars = propertiesOf(service, fn.function).Environment.Variables;
      for (const key of Object.keys(fn.spec.tables) as TableKey[]) {
        expect(names.name(vars[TABLES[key].envVar], stackKey(service, fn))).toBe(
          `table:test_${TABLES[key].name}`,
        );
      }
      for (const topic of fn.spec.publishes ?? []) expect(vars[topicEnvVar(topic)]).toBeDefined();
    }
  });

  it('attaches no managed policy and no inline role policy to a function role', () => {
    for (const fn of allFunctions(service)) {
      const role = propertiesOf(service, fn.role);
      expect(role?.ManagedPolicyArns).toBeUndefined();
      expect(role?.Policies).toBeUndefined();
    }
  });

  it('alarms on errors and throttles of every function, to the alerts topic', () => {
    for (const fn of allFunctions(service)) {
      const alarms = Object.values(templateOf(service, fn).findResources('AWS::CloudWatch::Alarm')).map(
        (a) => a.Properties,
      );
      for (const metric of ['Errors', 'Throttles']) {
        const alarm = alarms.find(
          (a) =>
            a.MetricName === metric &&
            JSON.stringify(a.Dimensions) ===
              JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId(fn.function) } }]),
        );
        expect({
          fn: fn.spec.name,
          metric,
          threshold: alarm?.Threshold,
          actions: names.name(alarm?.AlarmActions[0], stackKey(service, fn)),
        }).toEqual({
          fn: fn.spec.name,
          metric,
          threshold: 1,
          actions: names.of(service.stacks.alerting.alertsTopic),
        });
      }
    }
  });
});

describe('least privilege across the whole app', () => {
  it('never grants dynamodb:* or a wildcard action', () => {
    const wild = allIdentityStatements(service).filter(({ statement }) =>
      (list(statement.Action) as string[]).some((a) => a === '*' || a === 'dynamodb:*' || a.endsWith(':*')),
    );
    expect(wild).toEqual([]);
  });

  it('never grants a DynamoDB action on Resource "*" or on a wildcard ARN', () => {
    const dynamo = allIdentityStatements(service).filter(({ statement }) =>
      (list(statement.Action) as string[]).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo.length).toBeGreaterThan(5);
    for (const { where, statement } of dynamo) {
      for (const resource of list(statement.Resource)) {
        expect({ where, resource: JSON.stringify(resource) }).not.toMatchObject({
          resource: Match.stringLikeRegexp('"\\*"|:\\*"'),
        });
        expect(resource).not.toBe('*');
        expect(JSON.stringify(resource)).not.toMatch(/\*/);
      }
    }
  });
});

describe('schedule and observability stack', () => {
  it('runs the sweep from the rate(15 minutes) rule, with retries and its dead-letter queue', () => {
    const sweep = fnNamed(service, 'sweep');
    service.templates.operations.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(sweep.function), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(sweep.function.deadLetterQueue!), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
    expect(propertiesOf(service, sweep.function)).toMatchObject({ Timeout: 300, MemorySize: 1024 });
  });

  it('alarms on the depth of every dead-letter queue and tells each async function its queue', () => {
    const withQueue = allFunctions(service).filter((f) => f.function.deadLetterQueue);
    expect(withQueue.map((f) => f.spec.name).sort()).toEqual(
      FUNCTIONS.filter((f) => ['event', 'schedule', 'invocation-logs'].includes(f.trigger.kind))
        .map((f) => f.spec.name)
        .sort(),
    );
    for (const fn of withQueue) {
      const queue = fn.function.deadLetterQueue!;
      templateOf(service, fn).hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }],
        Threshold: 1,
      });
      expect(propertiesOf(service, fn.function).Environment.Variables.DEAD_LETTER_QUEUE_URL).toEqual({
        Ref: logicalId(queue),
      });
      // What `npm run dlq:replay` is given: the queue and the function, as outputs of the stack.
      const outputs = templateOf(service, fn).toJSON().Outputs as Record<string, { Value: unknown }>;
      const values = Object.values(outputs).map((o) => JSON.stringify(o.Value));
      expect(values).toContain(JSON.stringify({ Ref: logicalId(queue) }));
      expect(values).toContain(JSON.stringify({ Ref: logicalId(fn.function) }));
    }
  });

  it('charts tracked cost, tokens, breaches and alerts sent and failed from the CostManagement namespace', () => {
    const dashboards = service.templates.operations.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    // UnpricedEvents is charted by its total (emitted without the modelId dimension).
    for (const metric of Object.values(BUSINESS_METRICS)) {
      expect(body).toContain(`\\"CostManagement\\",\\"${metric}\\",\\"service\\",\\"cost-management\\"`);
    }
    expect(body).toContain('AWS/ApiGateway');
    expect(body).toContain('cost-management-test');
  });
});

describe('price sync', () => {
  it('runs the price sync daily from its own rule, with retries and its dead-letter queue', () => {
    const fn = fnNamed(service, 'price-sync');
    expect(stackKey(service, fn)).toBe('operations');
    service.templates.operations.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Description: 'Runs price-sync every day',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
    // Not also on the sweep's 15-minute rule.
    const rules = Object.values(service.templates.operations.findResources('AWS::Events::Rule'));
    const targeting = rules.filter((r) =>
      JSON.stringify(r.Properties.Targets).includes(logicalId(fn.function)),
    );
    expect(targeting).toHaveLength(1);
    const props = propertiesOf(service, fn.function);
    expect(props).toMatchObject({ Timeout: 600 });
    expect(props.Environment.Variables.PRICE_DATA_URL).toBe(
      'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json',
    );
  });

  it('grants the price sync its service-scope writes, the run record and the repricing, nothing more', () => {
    const fn = fnNamed(service, 'price-sync');
    const statements = roleStatements(service, fn.role);
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      resources: ['table:test_bedrock_model_prices'],
    });
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['dynamodb:PutItem'],
      resources: ['table:test_bedrock_cost_monitoring'],
    });
    // The waiting index of the analytics table, and the unpriced records' index of the usage table.
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['dynamodb:Query'],
      resources: ['table:test_bedrock_token_analytics/index/gsi1'],
    });
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['dynamodb:Query'],
      resources: ['table:test_bedrock_token_usage/index/gsi1', 'table:test_bedrock_token_usage/index/gsi2'],
    });
    // Versions are never removed or rewritten by the sync, and nothing is scanned.
    const onPrices = statements.filter((st) => st.resources.includes('table:test_bedrock_model_prices'));
    expect(onPrices.flatMap((st) => st.actions)).not.toContain('dynamodb:DeleteItem');
    expect(statements.flatMap((st) => st.actions)).not.toContain('dynamodb:Scan');
    expect(statements.flatMap((st) => st.actions)).toContain('events:PutEvents');
  });

  it('continues large repricings in the background: RepricingRequested routed to the repricer, with its DLQ', () => {
    const fn = fnNamed(service, 'repricer');
    expect(stackKey(service, fn)).toBe('alerting');
    service.templates.alerting.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['cost-management'], 'detail-type': ['RepricingRequested'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] } },
        }),
      ],
    });
    expect(propertiesOf(service, fn.function)).toMatchObject({ Timeout: 300 });
    const statements = roleStatements(service, fn.role);
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['dynamodb:Query', 'dynamodb:UpdateItem'],
      resources: ['table:test_bedrock_model_prices'],
    });
    expect(statements.flatMap((st) => st.actions)).toContain('events:PutEvents');
    expect(statements.flatMap((st) => st.actions)).not.toContain('dynamodb:Scan');
  });

  it('alarms on usage recorded without a price (the service-wide total) to the alerts topic', () => {
    const alarm = service.stacks.operations.unpricedAlarm;
    expect(propertiesOf(service, alarm)).toMatchObject({
      Namespace: 'CostManagement',
      MetricName: 'UnpricedEvents',
      Dimensions: [{ Name: 'service', Value: 'cost-management' }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(names.name(propertiesOf(service, alarm).AlarmActions[0], 'operations')).toBe(
      names.of(service.stacks.alerting.alertsTopic),
    );
  });
});

describe('the sharded sweep', () => {
  it('alarms on sweep failures in two 15-minute sweeps in a row to the alerts topic, charted on the dashboard', () => {
    const alarm = service.stacks.operations.sweepFailuresAlarm;
    expect(propertiesOf(service, alarm)).toMatchObject({
      Namespace: 'CostManagement',
      MetricName: 'SweepFailures',
      Dimensions: [{ Name: 'service', Value: 'cost-management' }],
      Statistic: 'Sum',
      Period: 900,
      Threshold: 1,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(names.name(propertiesOf(service, alarm).AlarmActions[0], 'operations')).toBe(
      names.of(service.stacks.alerting.alertsTopic),
    );
    const dashboards = service.templates.operations.findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    expect(body).toContain('Threshold sweep (per 15 minutes)');
    expect(body).toContain('\\"CostManagement\\",\\"SweepFailures\\"');
  });

  it('runs the sweep worker from SweepShardRequested; neither it nor the coordinator sends notices itself', () => {
    const worker = fnNamed(service, 'sweep-worker');
    expect(stackKey(service, worker)).toBe('alerting');
    expect(propertiesOf(service, worker.function)).toMatchObject({ Timeout: 300, MemorySize: 1024 });
    for (const fn of [worker, fnNamed(service, 'sweep')]) {
      expect(fn.spec.sendsEmail ?? false).toBe(false);
      expect(fn.spec.sendsSms ?? false).toBe(false);
      expect(fn.spec.publishes ?? []).toEqual([]);
      expect(fn.spec.putsEvents).toBe(true);
      const vars = propertiesOf(service, fn.function).Environment.Variables;
      expect(vars.SENDER_EMAIL).toBeUndefined();
      expect(vars.EVENT_BUS_NAME).toBeDefined();
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports nothing unacknowledged on the production app', () => {
    const report = new AwsSolutionsChecks().validateScope(service.app);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a specific reason', () => {
    // Every acknowledgement, not one per rule id: the same rule may be acknowledged for different reasons.
    const reasons: [string, string][] = [];
    for (const construct of service.app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== 'aws:cdk:acknowledged-rules' || !entry.data) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          reasons.push([id.replace(/^[A-Za-z]+::/, ''), reason]);
        }
      }
    }
    expect([...new Set(reasons.map(([id]) => id))].sort()).toEqual(
      [
        'AwsSolutions-APIG3',
        'AwsSolutions-APIG4',
        // The web console: the distribution, its bucket, and the CDK's deployment of its files.
        'AwsSolutions-CFR1',
        'AwsSolutions-CFR2',
        'AwsSolutions-CFR3',
        'AwsSolutions-CFR4',
        'AwsSolutions-S1',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        `AwsSolutions-IAM5[Resource::<${logicalId(service.stacks.console.bucket)}.Arn>/*]`,
        'AwsSolutions-COG4',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-L1',
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
      ].sort(),
    );
    for (const [id, reason] of reasons) expect(reason.length, id).toBeGreaterThan(60);
  });
});
