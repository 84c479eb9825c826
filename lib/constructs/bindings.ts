import { Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { BINDING_ENV_VARS, type TopicKey, topicEnvVar } from '../../lambdas/platform/function-spec.js';
import type { ServiceFunction } from './service-function.js';

/**
 * Lets a function publish to one topic: sets its ARN variable and grants `sns:Publish` on that
 * topic, plus the data-key use of the topic's KMS key that publishing to an encrypted topic needs.
 */
export function bindTopic(fn: ServiceFunction, key: TopicKey, topic: sns.ITopic, topicKey: kms.IKey): void {
  fn.setEnvironment(topicEnvVar(key), topic.topicArn);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [topicKey.keyArn],
    }),
  );
}

/** Lets a function send email from the sender identity only: `SENDER_EMAIL` and `ses:SendEmail` on it. */
export function bindSenderEmail(fn: ServiceFunction, senderEmail: string, identityArn: string): void {
  fn.setEnvironment(BINDING_ENV_VARS.senderEmail, senderEmail);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: [identityArn] }));
}

/** Lets a function put events on the service bus only: `EVENT_BUS_NAME` and `events:PutEvents` on it. */
export function bindEventBus(fn: ServiceFunction, bus: events.IEventBus): void {
  fn.setEnvironment(BINDING_ENV_VARS.eventBus, bus.eventBusName);
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
  );
}

/** Lets a function read the API-key hashes: `API_KEYS_SECRET_ARN` and `GetSecretValue` on that secret. */
export function bindApiKeysSecret(fn: ServiceFunction, secret: secretsmanager.ISecret): void {
  fn.setEnvironment(BINDING_ENV_VARS.apiKeysSecret, secret.secretArn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
  );
}

/**
 * Lets a function send SMS straight to phone numbers. SNS has no ARN for a phone number, so
 * this grant must name `*`; it sits in a policy of its own that holds nothing but
 * `sns:Publish`, and only functions whose spec says `sendsSms` get it.
 */
export function allowSms(fn: ServiceFunction): void {
  const policy = new iam.Policy(fn, 'SmsPolicy', {
    roles: [fn.role],
    statements: [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] })],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'SMS to a phone number: sns:Publish to a PhoneNumber has no resource ARN to scope the grant to.',
  });
}
