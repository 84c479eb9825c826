import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CaptureConfig, readCaptureConfig } from '../../lib/capture-config.js';
import { readConfig } from '../../lib/config.js';
import {
  expectedStatements,
  fnNamed,
  list,
  logicalId,
  ResourceNames,
  roleStatements,
  type SynthesizedService,
  sortStatements,
  synthesizeService,
  TEST_CONFIG,
} from './support/service.js';

/**
 * The deployed capture, synthesized for real: the invocation-log function subscribed to the
 * configured log group and notified by the configured bucket, the daily reconciliation with Cost
 * Explorer, the settings reaching the functions, the alarms, and cdk-nag.
 */

const ACCOUNT = '123456789012';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CAPTURE: CaptureConfig = {
  tenants: { [ACCOUNT]: 'acme', [`arn:aws:iam::${ACCOUNT}:role/team-b`]: 'team-b' },
  logGroup: '/aws/bedrock/modelinvocations',
  bucket: { name: 'acme-bedrock-logs', prefix: 'bedrock/AWSLogs/', keyArn: KEY_ARN },
  userKey: 'endUser',
  identityMap: { [`arn:aws:iam::${ACCOUNT}:role/batch-jobs`]: 'batch-owner' },
  thresholdPercent: 3.5,
  services: ['Amazon Bedrock', 'Claude 3.5 Sonnet (Amazon Bedrock Edition)'],
};

let service: SynthesizedService;
let plain: SynthesizedService;
let names: ResourceNames;

beforeAll(() => {
  service = synthesizeService({ bundle: false, config: { ...TEST_CONFIG, capture: CAPTURE } });
  plain = synthesizeService({ bundle: false });
  names = new ResourceNames(service);
});

const fnArn = (s: SynthesizedService, name: string) => ({
  'Fn::GetAtt': [logicalId(fnNamed(s, name).function), 'Arn'],
});

describe('invocation-log capture with a log group and a bucket', () => {
  it('subscribes the capture function to every event of the log group', () => {
    const ops = service.templates.operations;
    ops.resourceCountIs('AWS::Logs::SubscriptionFilter', 1);
    ops.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: '/aws/bedrock/modelinvocations',
      FilterPattern: '',
      FilterName: 'cost-management-test-invocation-logs',
      DestinationArn: fnArn(service, 'invocation-logs'),
    });
    const permission = Object.values(ops.findResources('AWS::Lambda::Permission')).find(
      (p) => p.Properties.Principal === 'logs.amazonaws.com',
    );
    expect(permission?.Properties.FunctionName).toEqual(fnArn(service, 'invocation-logs'));
    expect(names.name(permission?.Properties.SourceArn, 'operations')).toBe(
      'arn:{AWS::Partition}:logs:{AWS::Region}:{AWS::AccountId}:log-group:/aws/bedrock/modelinvocations:*',
    );
  });

  it('is notified of new .json.gz objects under the prefix of the existing bucket, keeping its other notifications', () => {
    const ops = service.templates.operations;
    ops.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'acme-bedrock-logs',
      Managed: false,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            LambdaFunctionArn: fnArn(service, 'invocation-logs'),
            Filter: {
              Key: {
                FilterRules: Match.arrayWith([
                  { Name: 'suffix', Value: '.json.gz' },
                  { Name: 'prefix', Value: 'bedrock/AWSLogs/' },
                ]),
              },
            },
          },
        ],
      },
    });
    const permission = Object.values(ops.findResources('AWS::Lambda::Permission')).find(
      (p) => p.Properties.Principal === 's3.amazonaws.com',
    );
    expect(permission?.Properties).toMatchObject({
      FunctionName: fnArn(service, 'invocation-logs'),
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    expect(names.name(permission?.Properties.SourceArn, 'operations')).toBe(
      'arn:{AWS::Partition}:s3:::acme-bedrock-logs',
    );
  });

  it('grants the capture its ingest tables, the bus, its queue, and reading exactly the log objects', () => {
    const fn = fnNamed(service, 'invocation-logs');
    expect(sortStatements(roleStatements(service, fn.role))).toEqual(
      sortStatements([
        ...expectedStatements(service, names, fn),
        {
          effect: 'Allow',
          actions: ['s3:GetObject'],
          resources: ['arn:{AWS::Partition}:s3:::acme-bedrock-logs/bedrock/AWSLogs/*'],
        },
        { effect: 'Allow', actions: ['kms:Decrypt'], resources: [KEY_ARN] },
      ]),
    );
    const decrypt = Object.values(service.templates.operations.findResources('AWS::IAM::Policy'))
      .flatMap((p) => list(p.Properties.PolicyDocument.Statement) as Record<string, unknown>[])
      .find((s) => s.Action === 'kms:Decrypt' && s.Resource === KEY_ARN);
    expect(decrypt?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
    // Invoked asynchronously by CloudWatch Logs and S3: retried twice, then dead-lettered.
    const props =
      service.templates.operations.findResources('AWS::Lambda::Function')[logicalId(fn.function)]?.Properties;
    expect(props).toMatchObject({ Timeout: 300, MemorySize: 1024 });
    expect(props?.DeadLetterConfig).toEqual({
      TargetArn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] },
    });
  });

  it('gives the functions that declare them the capture settings, from context', () => {
    const env = (name: string) =>
      service.templates.operations.toJSON().Resources[logicalId(fnNamed(service, name).function)]?.Properties
        .Environment.Variables ??
      service.templates.api.toJSON().Resources[logicalId(fnNamed(service, name).function)]?.Properties
        .Environment.Variables;
    const tenants = JSON.stringify(CAPTURE.tenants);
    const identities = JSON.stringify(CAPTURE.identityMap);
    expect(env('invocation-logs')).toMatchObject({
      CAPTURE_TENANTS: tenants,
      INVOCATION_LOG_USER_KEY: 'endUser',
      INVOCATION_LOG_IDENTITY_MAP: identities,
    });
    expect(env('invocation-logs')).not.toHaveProperty('RECONCILE_THRESHOLD_PERCENT');
    expect(env('reconciliation')).toMatchObject({
      CAPTURE_TENANTS: tenants,
      RECONCILE_THRESHOLD_PERCENT: '3.5',
      RECONCILE_SERVICES: JSON.stringify(CAPTURE.services),
    });
    // The API path attributes users with the same settings.
    expect(env('usage-api')).toMatchObject({
      INVOCATION_LOG_USER_KEY: 'endUser',
      INVOCATION_LOG_IDENTITY_MAP: identities,
    });
    expect(env('usage-api')).not.toHaveProperty('CAPTURE_TENANTS');
  });
});

describe('the daily reconciliation with Cost Explorer', () => {
  it('may read the bill, from a policy that holds nothing else, besides its two tables', () => {
    const fn = fnNamed(service, 'reconciliation');
    const statements = roleStatements(service, fn.role);
    expect(sortStatements(statements)).toEqual(sortStatements(expectedStatements(service, names, fn)));
    expect(statements).toContainEqual({ effect: 'Allow', actions: ['ce:GetCostAndUsage'], resources: ['*'] });
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['dynamodb:Scan'],
      resources: ['table:test_bedrock_token_analytics'],
    });
    const own = Object.values(service.templates.operations.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('ce:GetCostAndUsage'),
    );
    expect(own).toHaveLength(1);
    expect(list(own[0]?.Properties.PolicyDocument.Statement)).toEqual([
      { Action: 'ce:GetCostAndUsage', Effect: 'Allow', Resource: '*' },
    ]);
  });

  it('runs once a day, with retries and its dead-letter queue', () => {
    const fn = fnNamed(service, 'reconciliation');
    service.templates.operations.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
  });

  it('alarms the operators when the day’s largest gap exceeds the configured share, and on records not captured', () => {
    const alarms = Object.values(service.templates.operations.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties,
    );
    const gap = alarms.find((a) => a.MetricName === 'ReconciliationGap');
    expect(gap).toMatchObject({
      Namespace: 'CostManagement',
      Dimensions: [{ Name: 'service', Value: 'cost-management' }],
      Statistic: 'Maximum',
      Period: 86_400,
      Threshold: 3.5,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(names.name(gap?.AlarmActions[0], 'operations')).toBe(
      names.of(service.stacks.alerting.alertsTopic),
    );
    const bad = alarms.find((a) => a.MetricName === 'InvocationLogBadRecords');
    expect(bad).toMatchObject({
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(names.name(bad?.AlarmActions[0], 'operations')).toBe(
      names.of(service.stacks.alerting.alertsTopic),
    );
    // The default share is 2 %.
    const plainGap = Object.values(plain.templates.operations.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.MetricName === 'ReconciliationGap',
    );
    expect(plainGap?.Properties.Threshold).toBe(2);
  });

  it('charts the captured records and the reconciliation gap', () => {
    const [dashboard] = Object.values(
      service.templates.operations.findResources('AWS::CloudWatch::Dashboard'),
    );
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('Reconciliation gap');
    expect(body).toContain('\\"ReconciliationGap\\"');
    expect(body).toContain('\\"InvocationLogBadRecords\\"');
  });
});

describe('cdk-nag AwsSolutions with capture', () => {
  it('reports nothing unacknowledged, and every acknowledgement of the capture names its reason', () => {
    const report = new AwsSolutionsChecks().validateScope(service.app);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
    const reasons: [string, string][] = [];
    for (const construct of service.app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== 'aws:cdk:acknowledged-rules' || !entry.data) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
          reasons.push([id, reason]);
      }
    }
    const ids = reasons.map(([id]) => id.replace(/^[A-Za-z]+::/, ''));
    expect(ids).toContain(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::acme-bedrock-logs/bedrock/AWSLogs/*]',
    );
    expect(reasons.find(([, r]) => r.startsWith('Cost Explorer'))).toBeDefined();
    for (const [id, reason] of reasons) expect(reason.length, id).toBeGreaterThan(60);
  });
});

describe('without a log group or a bucket', () => {
  it('creates no subscription and no notification, and says so', () => {
    const ops = plain.templates.operations;
    ops.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
    ops.resourceCountIs('Custom::S3BucketNotifications', 0);
    const warnings = Annotations.fromStack(plain.stacks.operations);
    warnings.hasWarning('*', Match.stringLikeRegexp('No invocationLogGroup in context'));
    warnings.hasWarning('*', Match.stringLikeRegexp('No invocationLogBucket in context'));
    // The functions are there, with an empty tenant map: they capture and reconcile nothing.
    expect(fnNamed(plain, 'invocation-logs').spec.env).toHaveProperty('CAPTURE_TENANTS');
    const vars =
      plain.templates.operations.toJSON().Resources[logicalId(fnNamed(plain, 'reconciliation').function)]
        ?.Properties.Environment.Variables;
    expect(vars).not.toHaveProperty('CAPTURE_TENANTS');
  });
});

describe('capture settings from context', () => {
  const node = (context: Record<string, unknown>) => new App({ context }).node;

  it('reads JSON objects from cdk.json and JSON text from -c, lists and numbers from either', () => {
    const fromJson = readCaptureConfig(
      node({
        captureTenants: { [ACCOUNT]: 'acme' },
        invocationLogGroup: '/aws/bedrock/modelinvocations',
        invocationLogBucket: 'acme-bedrock-logs',
        invocationLogIdentityMap: { [`arn:aws:iam::${ACCOUNT}:role/batch-jobs`]: 'batch-owner' },
        reconciliationThresholdPercent: 5,
        reconciliationServices: ['Amazon Bedrock'],
      }),
    );
    const fromFlags = readCaptureConfig(
      node({
        captureTenants: JSON.stringify({ [ACCOUNT]: 'acme' }),
        invocationLogGroup: '/aws/bedrock/modelinvocations',
        invocationLogBucket: 'acme-bedrock-logs',
        invocationLogIdentityMap: JSON.stringify({
          [`arn:aws:iam::${ACCOUNT}:role/batch-jobs`]: 'batch-owner',
        }),
        reconciliationThresholdPercent: '5',
        reconciliationServices: 'Amazon Bedrock',
      }),
    );
    expect(fromJson).toEqual(fromFlags);
    expect(fromJson).toEqual({
      tenants: { [ACCOUNT]: 'acme' },
      logGroup: '/aws/bedrock/modelinvocations',
      bucket: { name: 'acme-bedrock-logs', prefix: '' },
      identityMap: { [`arn:aws:iam::${ACCOUNT}:role/batch-jobs`]: 'batch-owner' },
      thresholdPercent: 5,
      services: ['Amazon Bedrock'],
    });
    expect(
      readConfig(node({ senderEmail: 'ops@example.org', reconciliationThresholdPercent: 1 })).capture,
    ).toEqual({
      tenants: {},
      thresholdPercent: 1,
    });
    expect(readConfig(node({ senderEmail: 'ops@example.org' }))).not.toHaveProperty('capture');
  });

  it.each([
    [{ invocationLogGroup: '/aws/bedrock/x' }, /'captureTenants' is required/],
    [{ invocationLogBucket: 'logs-bucket' }, /'captureTenants' is required/],
    [{ captureTenants: { '12345': 'acme' } }, /neither a 12-digit account id nor an IAM role ARN/],
    [{ captureTenants: { [ACCOUNT]: 'not a tenant!' } }, /must name a tenant id/],
    [{ captureTenants: '{not json' }, /'captureTenants' is invalid: the tenant map is not JSON/],
    [{ captureTenants: { [ACCOUNT]: 'a' }, invocationLogPrefix: 'x/' }, /need 'invocationLogBucket'/],
    [{ captureTenants: { [ACCOUNT]: 'a' }, invocationLogBucket: 'Bad_Bucket' }, /'invocationLogBucket'/],
    [{ captureTenants: { [ACCOUNT]: 'a' }, invocationLogBucket: 'b-1', invocationLogPrefix: '/x' }, /prefix/],
    [
      { captureTenants: { [ACCOUNT]: 'a' }, invocationLogBucket: 'b-1', invocationLogBucketKey: 'alias/x' },
      /KMS key ARN/,
    ],
    [{ invocationLogIdentityMap: { 'not-an-arn': 'u' } }, /'invocationLogIdentityMap' is invalid/],
    [{ reconciliationThresholdPercent: 'two' }, /expected a percentage/],
    [{ reconciliationThresholdPercent: 101 }, /expected a percentage/],
    [{ reconciliationServices: ' , ' }, /'reconciliationServices'/],
  ])('refuses %j', (context, message) => {
    expect(() => readCaptureConfig(node(context))).toThrow(message);
  });
});
