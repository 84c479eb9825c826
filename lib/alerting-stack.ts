import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { ServiceFunction } from './constructs/service-function.js';
import {
  createAsyncFunction,
  pascalCase,
  type ServiceResources,
  type ServiceTables,
} from './function-factory.js';
import { EVENT_SOURCE, functionsOf, type RegisteredFunction } from './functions.js';

export interface AlertingStackProps extends StackProps {
  senderEmail: string;
  /** The SES identity covering the sender: the address (default) or its domain. */
  senderIdentity?: string;
  /** Creates the SES identity (default); false uses one that exists in the account already. */
  createSenderIdentity?: boolean;
  /** SES sandbox: also lets the senders send to verified recipient identities (From the sender only). */
  sesSandbox?: boolean;
  alertPhone?: string;
  alarmEmail?: string;
  tables: ServiceTables;
  /** The whole registry; this stack creates the `event`-triggered functions. */
  functions: readonly RegisteredFunction[];
  /** The web console's URL: notices link to the breach in it. */
  consoleUrl?: string;
}

/** What the alerting stack offers the functions of every stack. */
export type AlertingResources = Required<
  Pick<ServiceResources, 'alarmTopic' | 'topics' | 'sender' | 'eventBus'>
>;

/**
 * Alerting: the alerts and emergency topics (KMS-encrypted, TLS only), the SES sender
 * identity (unless an existing one is used), the service's event bus, and for every `event`-triggered function a rule that
 * routes its detail type (source `cost-management`) to it, with retries and a dead-letter queue.
 * Operational alarms of every stack notify the alerts topic.
 */
export class AlertingStack extends Stack {
  readonly topicKey: kms.Key;
  readonly alertsTopic: sns.Topic;
  readonly emergencyTopic: sns.Topic;
  /** The SES identity, when this stack creates it (`createSenderIdentity`). */
  readonly senderIdentity?: ses.EmailIdentity;
  /** Name of the SES identity the senders are granted: the address or its domain. */
  readonly senderIdentityName: string;
  readonly eventBus: events.EventBus;
  readonly resources: AlertingResources;
  readonly functions: ServiceFunction[] = [];
  readonly rules: events.Rule[] = [];

  constructor(scope: Construct, id: string, props: AlertingStackProps) {
    super(scope, id, props);

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the cost-management alert topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch alarms publish to the encrypted topics; the service needs the key for that.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.alertsTopic = this.topic('AlertsTopic', 'Cost management alerts and operational alarms');
    this.emergencyTopic = this.topic('EmergencyTopic', 'Cost management emergencies');
    if (props.alertPhone)
      this.emergencyTopic.addSubscription(new subscriptions.SmsSubscription(props.alertPhone));
    if (props.alarmEmail)
      this.alertsTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    this.senderIdentityName = props.senderIdentity ?? props.senderEmail;
    if (props.createSenderIdentity !== false) {
      // Functions get the identity's ARN built from its name (bindSenderEmail), never an export
      // of this resource: changing the sender replaces it without an "export in use" failure.
      this.senderIdentity = new ses.EmailIdentity(this, 'SenderIdentity', {
        identity: this.senderIdentityName.includes('@')
          ? ses.Identity.email(this.senderIdentityName)
          : ses.Identity.domain(this.senderIdentityName),
      });
    }
    this.eventBus = new events.EventBus(this, 'EventBus', {
      description: 'Cost-management domain events such as ThresholdBreached',
    });
    for (const value of [this.alertsTopic.topicArn, this.emergencyTopic.topicArn, this.topicKey.keyArn]) {
      this.exportValue(value);
    }
    this.exportValue(this.eventBus.eventBusName);
    this.exportValue(this.eventBus.eventBusArn);

    this.resources = {
      alarmTopic: this.alertsTopic,
      topics: { alerts: this.alertsTopic, emergency: this.emergencyTopic, key: this.topicKey },
      sender: {
        email: props.senderEmail,
        identity: this.senderIdentityName,
        ...(props.sesSandbox ? { sandbox: true } : {}),
      },
      eventBus: this.eventBus,
    };

    for (const registered of functionsOf(props.functions, 'event')) {
      const { fn, target } = createAsyncFunction(this, registered, {
        stackName: 'alerting',
        tables: props.tables,
        ...this.resources,
        ...(props.consoleUrl ? { consoleUrl: props.consoleUrl } : {}),
      });
      this.functions.push(fn);
      const detailTypes = [registered.trigger.detailType, ...(registered.trigger.moreDetailTypes ?? [])];
      this.rules.push(
        new events.Rule(this, `${pascalCase(registered.spec.name)}Rule`, {
          description: `Routes ${detailTypes.join(' and ')} events to ${registered.spec.name}`,
          eventBus: this.eventBus,
          eventPattern: { source: [EVENT_SOURCE], detailType: detailTypes },
          targets: [target],
        }),
      );
    }
  }

  private topic(id: string, displayName: string): sns.Topic {
    const topic = new sns.Topic(this, id, { displayName, masterKey: this.topicKey, enforceSSL: true });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    return topic;
  }
}
