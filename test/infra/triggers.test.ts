import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { defineFunction } from '../../lambdas/platform/function-spec.js';
import { PROJECT_ROOT } from '../../lib/constructs/service-function.js';
import { TARGET_MAX_EVENT_AGE, TARGET_RETRY_ATTEMPTS } from '../../lib/function-factory.js';
import { FUNCTIONS, registerFunction } from '../../lib/functions.js';
import {
  allFunctions,
  expectedStatements,
  fnNamed,
  logicalId,
  ResourceNames,
  roleStatements,
  type SynthesizedService,
  senderIdentityArn,
  sortStatements,
  synthesizeService,
} from './support/service.js';

/** Test functions only: they run the health handler, the wiring is what is under test. */
const HEALTH_HANDLER = path.join(PROJECT_ROOT, 'lambdas', 'functions', 'platform-api-handler.ts');

const sweep = defineFunction({
  name: 'test-sweep',
  description: 'Schedule-triggered test function.',
  tables: { costThresholds: ['Query'], thresholdBreaches: ['PutItem', 'Query', 'UpdateItem'] },
  publishes: ['alerts'],
  putsEvents: true,
  env: {},
});
const notifier = defineFunction({
  name: 'test-notifier',
  description: 'Event-triggered test function.',
  tables: { thresholdBreaches: ['UpdateItem'], alertingConfig: ['GetItem'] },
  publishes: ['emergency'],
  sendsEmail: true,
  sendsSms: true,
  env: { WEBHOOK_TIMEOUT_MS: z.string().check(z.regex(/^\d+$/)), RETRIES: z._default(z.string(), '3') },
});
const hourly = defineFunction({
  name: 'test-hourly',
  description: 'Hourly schedule-triggered test function.',
  tables: {},
  env: {},
});

const TEST_FUNCTIONS = [
  ...FUNCTIONS,
  registerFunction(sweep, { kind: 'schedule' }, { entry: HEALTH_HANDLER }),
  registerFunction(
    notifier,
    { kind: 'event', detailType: 'ThresholdBreached' },
    { entry: HEALTH_HANDLER, environment: { WEBHOOK_TIMEOUT_MS: '3000' } },
  ),
  registerFunction(hourly, { kind: 'schedule', rateMinutes: 60 }, { entry: HEALTH_HANDLER }),
];

let service: SynthesizedService;
let names: ResourceNames;

beforeAll(() => {
  service = synthesizeService({ functions: TEST_FUNCTIONS, bundle: false });
  names = new ResourceNames(service);
});

const ruleTargets = (stack: 'alerting' | 'operations') =>
  Object.values(service.templates[stack].findResources('AWS::Events::Rule')).map((r) => r.Properties);

describe('functions added to the registry with a trigger', () => {
  it('puts schedule-triggered functions in the schedule stack and event-triggered ones in alerting', () => {
    expect(service.stacks.operations.functions.map((f) => f.spec.name)).toEqual(
      expect.arrayContaining(['test-sweep', 'test-hourly']),
    );
    expect(service.stacks.alerting.functions.map((f) => f.spec.name)).toContain('test-notifier');
    expect(service.stacks.api.functions.map((f) => f.spec.name)).not.toContain('test-notifier');
  });

  it('runs the sweep from the rate(15 minutes) rule, with retries and its dead-letter queue', () => {
    const fn = fnNamed(service, 'test-sweep');
    const rule = ruleTargets('operations').find((r) => r.ScheduleExpression === 'rate(15 minutes)');
    const target = rule?.Targets.find((t: { Arn: unknown }) =>
      JSON.stringify(t.Arn).includes(`"${logicalId(fn.function)}"`),
    );
    expect([target]).toEqual([
      {
        Id: expect.stringMatching(/^Target\d$/),
        Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] } },
        RetryPolicy: {
          MaximumRetryAttempts: TARGET_RETRY_ATTEMPTS,
          MaximumEventAgeInSeconds: TARGET_MAX_EVENT_AGE.toSeconds(),
        },
      },
    ]);
  });

  it('gives a function with its own rate its own rule', () => {
    const fn = fnNamed(service, 'test-hourly');
    const rule = ruleTargets('operations').find((r) => r.ScheduleExpression === 'rate(1 hour)');
    expect(rule?.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] });
  });

  it('routes ThresholdBreached events from the service bus to the event-triggered function', () => {
    const fn = fnNamed(service, 'test-notifier');
    const rule = ruleTargets('alerting').find((r) =>
      JSON.stringify(r.Targets).includes(`"${logicalId(fn.function)}","Arn"`),
    );
    expect(rule).toMatchObject({
      EventBusName: { Ref: logicalId(service.stacks.alerting.eventBus) },
      EventPattern: { source: ['cost-management'], 'detail-type': ['ThresholdBreached'] },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        },
      ],
    });
  });

  it('retries failed asynchronous invocations twice, then dead-letters them', () => {
    for (const name of ['test-sweep', 'test-notifier', 'test-hourly']) {
      const fn = fnNamed(service, name);
      const stack = name === 'test-notifier' ? 'alerting' : 'operations';
      const template = service.templates[stack];
      const props = template.findResources('AWS::Lambda::Function')[logicalId(fn.function)]?.Properties;
      expect(props?.DeadLetterConfig).toEqual({
        TargetArn: { 'Fn::GetAtt': [logicalId(fn.function.deadLetterQueue!), 'Arn'] },
      });
      expect(props?.Timeout).toBe(60);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(fn.function) },
        MaximumRetryAttempts: 2,
      });
    }
  });

  it('encrypts the dead-letter queues, requires TLS, and lets only the rule deliver into them', () => {
    const template = service.templates.alerting;
    const fn = fnNamed(service, 'test-notifier');
    const queue = fn.function.deadLetterQueue!;
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: {
              ArnEquals: {
                'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('TestNotifierRule'), 'Arn'] },
              },
            },
          }),
        ]),
      },
    });
  });

  it('alarms to the alerts topic as soon as an event waits in a dead-letter queue', () => {
    for (const [stack, name] of [
      ['alerting', 'test-notifier'],
      ['operations', 'test-sweep'],
    ] as const) {
      const queue = fnNamed(service, name).function.deadLetterQueue!;
      const alarm = Object.values(service.templates[stack].findResources('AWS::CloudWatch::Alarm'))
        .map((a) => a.Properties)
        .find(
          (a) =>
            JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }]),
        );
      expect({
        metric: alarm?.MetricName,
        threshold: alarm?.Threshold,
        action: names.name(alarm?.AlarmActions[0], stack),
      }).toEqual({
        metric: 'ApproximateNumberOfMessagesVisible',
        threshold: 1,
        action: names.of(service.stacks.alerting.alertsTopic),
      });
    }
  });
});

describe('bindings of the test functions', () => {
  it('grants the sweep exactly its tables (with the named indexes), its topic, the bus and its queue', () => {
    const fn = fnNamed(service, 'test-sweep');
    const { alerting } = service.stacks;
    expect(sortStatements(roleStatements(service, fn.role))).toEqual(
      sortStatements([
        {
          effect: 'Allow',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [names.of(fn.logGroup)],
        },
        { effect: 'Allow', actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] },
        { effect: 'Allow', actions: ['dynamodb:Query'], resources: ['table:test_bedrock_cost_thresholds'] },
        {
          effect: 'Allow',
          actions: ['dynamodb:Query'],
          resources: [
            'table:test_bedrock_cost_thresholds/index/gsi1',
            'table:test_bedrock_cost_thresholds/index/gsi2',
          ],
        },
        {
          effect: 'Allow',
          actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          resources: ['table:test_bedrock_threshold_breaches'],
        },
        {
          effect: 'Allow',
          actions: ['dynamodb:Query'],
          resources: [
            'table:test_bedrock_threshold_breaches/index/gsi1',
            'table:test_bedrock_threshold_breaches/index/gsi2',
            'table:test_bedrock_threshold_breaches/index/gsi3',
          ],
        },
        { effect: 'Allow', actions: ['sns:Publish'], resources: [names.of(alerting.alertsTopic)] },
        {
          effect: 'Allow',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [names.of(alerting.topicKey)],
        },
        { effect: 'Allow', actions: ['events:PutEvents'], resources: [names.of(alerting.eventBus)] },
        {
          effect: 'Allow',
          actions: ['sqs:SendMessage'],
          resources: [names.of(fn.function.deadLetterQueue!)],
        },
      ]),
    );
  });

  it('grants the notifier its tables, the emergency topic, SES from the sender only, SMS and its queue', () => {
    const fn = fnNamed(service, 'test-notifier');
    const { alerting } = service.stacks;
    const identityArn = senderIdentityArn('alerts@example.org');
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
          actions: ['dynamodb:UpdateItem'],
          resources: ['table:test_bedrock_threshold_breaches'],
        },
        { effect: 'Allow', actions: ['dynamodb:GetItem'], resources: ['table:test_bedrock_alerting_config'] },
        // The contacts table's own key: decrypt only, the notifier reads contacts.
        {
          effect: 'Allow',
          actions: ['kms:Decrypt', 'kms:DescribeKey'],
          resources: [names.of(service.stacks.data.tables.alertingConfig.key!)],
        },
        { effect: 'Allow', actions: ['sns:Publish'], resources: [names.of(alerting.emergencyTopic)] },
        {
          effect: 'Allow',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [names.of(alerting.topicKey)],
        },
        { effect: 'Allow', actions: ['ses:SendEmail'], resources: [identityArn] },
        { effect: 'Allow', actions: ['sns:Publish'], resources: ['*'] },
        {
          effect: 'Allow',
          actions: ['sqs:SendMessage'],
          resources: [names.of(fn.function.deadLetterQueue!)],
        },
      ]),
    );
  });

  it('keeps the SMS grant in a policy of its own', () => {
    const policy = fnNamed(service, 'test-notifier').node.findChild('SmsPolicy');
    service.templates.alerting.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('SmsPolicy'),
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }] },
    });
    expect(logicalId(policy)).toMatch(/SmsPolicy/);
  });

  it('sets every bound variable and the registry environment on the notifier', () => {
    const fn = fnNamed(service, 'test-notifier');
    const vars =
      service.templates.alerting.findResources('AWS::Lambda::Function')[logicalId(fn.function)]?.Properties
        .Environment.Variables;
    expect(vars).toMatchObject({
      SENDER_EMAIL: 'alerts@example.org',
      WEBHOOK_TIMEOUT_MS: '3000',
      EMERGENCY_TOPIC_ARN: { Ref: logicalId(service.stacks.alerting.emergencyTopic) },
    });
    expect(names.name(vars.THRESHOLD_BREACHES_TABLE, 'alerting')).toBe(
      'table:test_bedrock_threshold_breaches',
    );
    expect(names.name(vars.ALERTING_CONFIG_TABLE, 'alerting')).toBe('table:test_bedrock_alerting_config');
    expect(vars.RETRIES).toBeUndefined();
  });

  it('grants every function of this registry what its spec says, and nothing else', () => {
    expect(allFunctions(service)).toHaveLength(TEST_FUNCTIONS.length);
    for (const fn of allFunctions(service)) {
      expect({ fn: fn.spec.name, statements: sortStatements(roleStatements(service, fn.role)) }).toEqual({
        fn: fn.spec.name,
        statements: sortStatements(expectedStatements(service, names, fn)),
      });
    }
  });

  it('is clean under cdk-nag AwsSolutions too', () => {
    const report = new AwsSolutionsChecks().validateScope(service.app);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });
});
