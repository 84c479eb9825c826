import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BUSINESS_METRICS, RECONCILIATION_GAP_METRIC } from '../../lambdas/platform/metric-names.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from './service-function.js';

export interface CaptureAlarmsProps {
  /** The gap share (percent of the bill) above which the reconciliation alarms. */
  thresholdPercent: number;
  alarmTopic?: sns.ITopic;
}

/**
 * The operators' alarms of capturing every call: the daily reconciliation found an unexplained
 * gap above the threshold (largest `ReconciliationGap` of the day, any tenant), and invocation log
 * records could not be captured (`InvocationLogBadRecords` in the last hour).
 */
export class CaptureAlarms extends Construct {
  readonly gapMetric: cloudwatch.Metric;
  readonly badRecordsMetric: cloudwatch.Metric;
  readonly gapAlarm: cloudwatch.Alarm;
  readonly badRecordsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CaptureAlarmsProps) {
    super(scope, id);
    this.gapMetric = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: RECONCILIATION_GAP_METRIC,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.days(1),
    });
    this.gapAlarm = new cloudwatch.Alarm(this, 'ReconciliationGapAlarm', {
      alarmDescription: `reconciliation: the unexplained gap between the bill and the tracked usage exceeds ${props.thresholdPercent} % (calls nobody reports, or a wrong price)`,
      metric: this.gapMetric,
      threshold: props.thresholdPercent,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.badRecordsMetric = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: BUSINESS_METRICS.invocationLogBadRecords,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.hours(1),
    });
    this.badRecordsAlarm = new cloudwatch.Alarm(this, 'BadRecordsAlarm', {
      alarmDescription:
        'invocation-logs: records could not be captured in the last hour (unreadable, unknown schema, or an account mapped to no tenant)',
      metric: this.badRecordsMetric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      for (const alarm of [this.gapAlarm, this.badRecordsAlarm])
        alarm.addAlarmAction(new SnsAction(props.alarmTopic));
    }
  }
}
