import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { BUSINESS_METRICS } from '../lambdas/platform/metric-names.js';
import type { AlertingResources } from './alerting-stack.js';
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
  /** The web console's URL: notices of the sweep link to the breach in it. */
  consoleUrl?: string;
}

/**
 * Schedule and observability: the `rate(15 minutes)` rule that runs the sweep (and any other
 * `schedule`-triggered function, with retries and a dead-letter queue), and the dashboard of
 * tracked cost, tokens, breaches, alerts sent and failed, API traffic and function errors.
 */
export class OperationsStack extends Stack {
  readonly sweepSchedule: events.Rule;
  readonly functions: ServiceFunction[] = [];
  readonly dashboard: cloudwatch.Dashboard;

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
              description: `Runs ${registered.spec.name} every ${minutes} minutes`,
              schedule: events.Schedule.rate(Duration.minutes(minutes)),
            });
      rule.addTarget(target);
    }
    this.dashboard = this.createDashboard(props);
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
      graph('Function errors', [lambdaSearch('Errors')]),
      graph('Function throttles', [lambdaSearch('Throttles')]),
    );
    return dashboard;
  }
}
