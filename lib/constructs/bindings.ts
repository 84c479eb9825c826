import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
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

/** The SES sender of alert emails, as the alerting stack offers it to the functions. */
export interface SenderBinding {
  /** From address. */
  email: string;
  /** Name of the SES identity covering it: the address or its domain. */
  identity: string;
  /** SES sandbox: also allow sending to verified recipient identities, from `email` only. */
  sandbox?: boolean;
}

/**
 * ARN of an SES identity in the account and region of `scope`'s stack, built from its name
 * (`arn:<partition>:ses:<region>:<account>:identity/<address or domain>`), so no stack has to
 * export the identity resource.
 */
export function sesIdentityArn(scope: IConstruct, identity: string): string {
  return Stack.of(scope).formatArn({
    service: 'ses',
    resource: 'identity',
    resourceName: identity,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * Lets a function send email from the sender identity only: `SENDER_EMAIL` and `ses:SendEmail` on
 * it. In the SES sandbox the recipients are identities too and SES checks the grant on them as
 * well; the function may then send to any identity of the account, but only with the sender as
 * From address (`ses:FromAddress`), in a policy of its own.
 */
export function bindSenderEmail(fn: ServiceFunction, sender: SenderBinding): void {
  fn.setEnvironment(BINDING_ENV_VARS.senderEmail, sender.email);
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: [sesIdentityArn(fn, sender.identity)] }),
  );
  if (!sender.sandbox) return;
  const policy = new iam.Policy(fn, 'SesSandboxPolicy', {
    roles: [fn.role],
    statements: [
      new iam.PolicyStatement({
        sid: 'SendToVerifiedRecipientsInTheSesSandbox',
        actions: ['ses:SendEmail'],
        resources: [sesIdentityArn(fn, '*')],
        conditions: { StringEquals: { 'ses:FromAddress': sender.email } },
      }),
    ],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
    reason:
      'SES sandbox: recipients are identities that SES authorises too; the grant is limited to the sender as From address (ses:FromAddress).',
  });
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

/**
 * Lets a function read the bill through Cost Explorer. `ce:GetCostAndUsage` supports no
 * resource-level permissions, so the grant must name `*`; it sits in a policy of its own that
 * holds nothing but this read-only action, and only functions whose spec says `readsCostExplorer`
 * get it.
 */
export function allowCostExplorer(fn: ServiceFunction): void {
  const policy = new iam.Policy(fn, 'CostExplorerPolicy', {
    roles: [fn.role],
    statements: [new iam.PolicyStatement({ actions: ['ce:GetCostAndUsage'], resources: ['*'] })],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Cost Explorer: ce:GetCostAndUsage has no resource-level permissions; the policy holds only this read of the bill.',
  });
}
