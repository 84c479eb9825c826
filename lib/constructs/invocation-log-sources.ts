import { Annotations, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import type { CaptureConfig } from '../capture-config.js';
import type { ServiceFunction } from './service-function.js';

/** Bedrock writes its S3 delivery as gzipped JSON lines: only these objects are announced. */
export const LOG_OBJECT_SUFFIX = '.json.gz';
/** Id of the S3 notification handler CDK adds to a stack for notifications of an existing bucket. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

export interface InvocationLogSourcesProps {
  /** The capture function. */
  fn: ServiceFunction;
  /** Names the subscription filter. */
  stage: string;
  capture?: CaptureConfig;
}

/**
 * Connects the capture function to the Bedrock invocation-log delivery the deployment names:
 * a subscription filter (every event) on the existing log group, and/or notifications of new
 * `.json.gz` objects under the prefix of the existing delivery bucket, with `s3:GetObject` on
 * exactly those objects (and decrypt with the bucket's key through S3, when one is given).
 * A source that is not configured is not created, and synthesis says so.
 */
export class InvocationLogSources extends Construct {
  readonly subscription?: logs.SubscriptionFilter;
  readonly bucket?: s3.IBucket;

  constructor(scope: Construct, id: string, props: InvocationLogSourcesProps) {
    super(scope, id);
    const { fn, capture } = props;
    if (capture?.logGroup) {
      this.subscription = new logs.SubscriptionFilter(this, 'Subscription', {
        logGroup: logs.LogGroup.fromLogGroupName(this, 'LogGroup', capture.logGroup),
        destination: new destinations.LambdaDestination(fn.function),
        filterPattern: logs.FilterPattern.allEvents(),
        filterName: `cost-management-${props.stage}-invocation-logs`,
      });
    } else {
      Annotations.of(this).addWarningV2(
        'cost-management:capture-no-log-group',
        'No invocationLogGroup in context: the invocation-log capture is not subscribed to a CloudWatch Logs group (-c invocationLogGroup=<name> to subscribe it).',
      );
    }
    if (capture?.bucket) {
      const { name, prefix, keyArn } = capture.bucket;
      this.bucket = s3.Bucket.fromBucketName(this, 'Bucket', name);
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn.function), {
        ...(prefix ? { prefix } : {}),
        suffix: LOG_OBJECT_SUFFIX,
      });
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [this.bucket.arnForObjects(`${prefix}*`)],
        }),
      );
      if (keyArn) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
          }),
        );
      }
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${name}/${prefix}*]`,
        reason:
          'The capture reads the log objects Bedrock writes under the configured prefix; their keys (account, Region, date, hour, file) are not known in advance, so the grant names the prefix.',
      });
      this.acknowledgeNotificationsHandler();
    } else {
      Annotations.of(this).addWarningV2(
        'cost-management:capture-no-bucket',
        'No invocationLogBucket in context: the invocation-log capture gets no S3 notifications (-c invocationLogBucket=<name> [-c invocationLogPrefix=<prefix>] to add them).',
      );
    }
  }

  /** The handler CDK deploys to put notifications on an existing bucket: its findings, with reasons. */
  private acknowledgeNotificationsHandler(): void {
    const handler = Stack.of(this).node.tryFindChild(NOTIFICATIONS_HANDLER_ID);
    if (!handler) return;
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's own handler that puts the notification configuration on the existing log-delivery bucket at deploy time; its role is CDK's, with the basic execution policy for its logs.",
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          "CDK's own deploy-time handler for the notifications of an existing bucket: its runtime is chosen by the CDK version, not by this service, and it runs only during deployments.",
      },
    );
  }
}
