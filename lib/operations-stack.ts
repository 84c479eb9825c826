import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { BUSINESS_METRICS } from '../lambdas/platform/metric-names.js';
import type { AlertingResources } from './alerting-stack.js';
import { type CaptureConfig, DEFAULT_RECONCILIATION_THRESHOLD_PERCENT } from './capture-config.js';
import { CaptureAlarms } from './constructs/capture-alarms.js';
import { InvocationLogSources } from './constructs/invocation-log-sources.js';
import { METRICS_NAMESPACE, SERVICE_NAME, type ServiceFunction } from './constructs/service-function.js';
import { createAsyncFunction, pascalCase, type ServiceTables } from './function-factory.js';
import { DEFAULT_SCHEDULE_MINUTES, functionsOf, type RegisteredFunction } from './functions.js';

export interface OperationsStackProps extends StackProps {
  stage: string;
  tables: ServiceTables;
  alerting: AlertingResources;
  /** The whole registry; this stack creates the `schedule`-triggered functions. */
  functions: readonly RegisteredFunction[];
  /** Name of the REST API, for the dashboard's API widgets. */
  apiName: string;
  /** Prefix shared by the names of the service's Lambda functions, for the dashboard's search. */
  functionNamePrefix: string;
  /** Where the invocation logs are delivered, and the reconciliation threshold. */
  capture?: CaptureConfig;
  /** The web console's URL: notices of the sweep link to the breach in it. */
  consoleUrl?: string;
}

/**
 * Schedule and observability: the `rate(15 minutes)` rule that runs the sweep, a rule for each
 * other `schedule`-triggered function's rate (the daily price sync and reconciliation), each with
 * retries and a dead-letter queue; the capture of Bedrock invocation logs (`invocation-logs`-
 * triggered functions, connected to the configured log group and bucket); the alarms on usage
 * recorded without a price, on sweep failures in two sweeps in a row, on the reconciliation gap
 * and on records that could not be captured; and the dashboard of tracked cost, tokens, breaches, alerts sent and failed, unpriced usage and
 * price syncs, captured records, the reconciliation gap, the threshold sweep, API traffic and
 * function errors.
 */
export class OperationsStack extends Stack {
  readonly sweepSchedule: events.Rule;
  readonly functions: ServiceFunction[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  readonly unpricedAlarm: cloudwatch.Alarm;
  readonly sweepFailuresAlarm: cloudwatch.Alarm;
  readonly invocationLogSources: InvocationLogSources[] = [];
  readonly captureAlarms: CaptureAlarms;

  constructor(scope: Construct, id: string, props: OperationsStackProps) {
    super(scope, id, props);
    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: `Runs the threshold sweep every ${DEFAULT_SCHEDULE_MINUTES} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(DEFAULT_SCHEDULE_MINUTES)),
    });
    for (const registered of functionsOf(props.functions, 'schedule')) {
      const { fn, target } = createAsyncFunction(this, registered, {
        stackName: 'operations',
        tables: props.tables,
        ...props.alerting,
        ...(props.consoleUrl ? { consoleUrl: props.consoleUrl } : {}),
      });
      this.functions.push(fn);
      const minutes = registered.trigger.rateMinutes ?? DEFAULT_SCHEDULE_MINUTES;
      const rule =
        minutes === DEFAULT_SCHEDULE_MINUTES
          ? this.sweepSchedule
          : new events.Rule(this, `${pascalCase(registered.spec.name)}Schedule`, {
              description: `Runs ${registered.spec.name} every ${minutes === 24 * 60 ? 'day' : `${minutes} minutes`}`,
              schedule: events.Schedule.rate(Duration.minutes(minutes)),
            });
      rule.addTarget(target);
    }
    this.unpricedAlarm = this.createUnpricedAlarm(props);
    this.sweepFailuresAlarm = this.createSweepFailuresAlarm(props);
    for (const registered of functionsOf(props.functions, 'invocation-logs')) {
      const { fn } = createAsyncFunction(this, registered, {
        stackName: 'operations',
        tables: props.tables,
        ...props.alerting,
      });
      this.functions.push(fn);
      this.invocationLogSources.push(
        new InvocationLogSources(this, `${pascalCase(registered.spec.name)}Sources`, {
          fn,
          stage: props.stage,
          ...(props.capture ? { capture: props.capture } : {}),
        }),
      );
    }
    this.captureAlarms = new CaptureAlarms(this, 'CaptureAlarms', {
      thresholdPercent: props.capture?.thresholdPercent ?? DEFAULT_RECONCILIATION_THRESHOLD_PERCENT,
      alarmTopic: props.alerting.alarmTopic,
    });
    this.dashboard = this.createDashboard(props);
  }

  /**
   * Usage recorded without a price: the `UnpricedEvents` total (without the model dimension,
   * emitted next to the per-model series) summed over an hour. Each event is money the books miss
   * until a price covers it; the per-model series and `GET /unpriced` say which model.
   */
  private createUnpricedAlarm(props: OperationsStackProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'UnpricedEventsAlarm', {
      alarmDescription:
        'Usage was recorded without a price in the last hour: add a tenant price (PUT /prices) or wait for the price sync; GET /unpriced lists the models',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: BUSINESS_METRICS.unpricedEvents,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(props.alerting.alarmTopic));
    return alarm;
  }

  /**
   * Thresholds or breaches the sweep could not evaluate or handle (`SweepFailures`, summed per
   * 15-minute sweep, from the workers and from shards the coordinator could not request), in two
   * consecutive sweeps. A single failing sweep is retried by the next one 15 minutes later
   * (a throttled read, a redeployment); a second one in a row means a threshold or a dependency
   * that keeps failing, and its users are not being watched.
   */
  private createSweepFailuresAlarm(props: OperationsStackProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'SweepFailuresAlarm', {
      alarmDescription:
        'The threshold sweep failed on thresholds or breaches in two sweeps in a row: their users are not watched; see the sweep-worker logs (sweep: ... failed)',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: BUSINESS_METRICS.sweepFailures,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(DEFAULT_SCHEDULE_MINUTES),
      }),
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(props.alerting.alarmTopic));
    return alarm;
  }

  private createDashboard(props: OperationsStackProps): cloudwatch.Dashboard {
    const business = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
        label,
      });
    const api = (metricName: string, label: string, statistic: string = cloudwatch.Stats.SUM) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiName: props.apiName },
        statistic,
        period: Duration.minutes(5),
        label,
      });
    const lambdaSearch = (metricName: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="${metricName}" "${props.functionNamePrefix}"', 'Sum', 300)`,
        usingMetrics: {},
        label: metricName,
        period: Duration.minutes(5),
      });
    const graph = (title: string, left: cloudwatch.IMetric[], width = 12) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `cost-management-${props.stage}`,
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      graph('Tracked LLM cost (USD per hour)', [business(BUSINESS_METRICS.trackedCostUsd, 'cost USD')]),
      graph('Tokens per hour', [
        business(BUSINESS_METRICS.inputTokens, 'input'),
        business(BUSINESS_METRICS.outputTokens, 'output'),
        business(BUSINESS_METRICS.cacheReadInputTokens, 'cache read'),
        business(BUSINESS_METRICS.cacheWriteInputTokens, 'cache write'),
      ]),
    );
    dashboard.addWidgets(
      graph('Threshold breaches per hour', [business(BUSINESS_METRICS.thresholdBreaches, 'breaches')]),
      graph('Alerts per hour', [
        business(BUSINESS_METRICS.alertsSent, 'sent'),
        business(BUSINESS_METRICS.alertsFailed, 'failed'),
      ]),
    );
    dashboard.addWidgets(
      graph('API requests and errors', [
        api('Count', 'requests'),
        api('4XXError', '4xx'),
        api('5XXError', '5xx'),
      ]),
      graph('API latency (p99, ms)', [
        api('Latency', 'latency p99', cloudwatch.Stats.p(99)),
        api('IntegrationLatency', 'integration p99', cloudwatch.Stats.p(99)),
      ]),
    );
    dashboard.addWidgets(
      graph('Unpriced usage and price sync (per hour)', [
        business(BUSINESS_METRICS.unpricedEvents, 'unpriced events'),
        business(BUSINESS_METRICS.priceVersionsSynced, 'versions synced'),
        business(BUSINESS_METRICS.priceSyncFallbacks, 'sync fallbacks'),
      ]),
      graph('Invocation log records captured per hour', [
        business(BUSINESS_METRICS.invocationLogRecorded, 'recorded'),
        business(BUSINESS_METRICS.invocationLogDuplicates, 'already recorded'),
        business(BUSINESS_METRICS.invocationLogBadRecords, 'not captured'),
      ]),
      new cloudwatch.GraphWidget({
        title: 'Reconciliation gap (% of the bill, largest of the day)',
        left: [this.captureAlarms.gapMetric.with({ label: 'gap % of the bill' })],
        leftAnnotations: [this.captureAlarms.gapAlarm.toAnnotation()],
        width: 12,
        height: 6,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Threshold sweep (per 15 minutes)',
        left: [
          business(BUSINESS_METRICS.sweepThresholds, 'thresholds evaluated').with({
            period: Duration.minutes(DEFAULT_SCHEDULE_MINUTES),
          }),
        ],
        right: [
          business(BUSINESS_METRICS.sweepFailures, 'failures').with({
            period: Duration.minutes(DEFAULT_SCHEDULE_MINUTES),
          }),
        ],
        rightAnnotations: [this.sweepFailuresAlarm.toAnnotation()],
        width: 24,
        height: 6,
      }),
    );
    dashboard.addWidgets(
      graph('Function errors', [lambdaSearch('Errors')]),
      graph('Function throttles', [lambdaSearch('Throttles')]),
    );
    return dashboard;
  }
}
