import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { isPlaceholderAddress, readConfig } from '../../lib/config.js';
import { fnNamed, senderIdentityArn, synthesizeService, TEST_CONFIG, templateOf } from './support/service.js';

const IDENTITY_ARN_OF = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ses:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:identity/${name}`,
    ],
  ],
});

describe('SES sandbox mode', () => {
  const service = synthesizeService({ bundle: false, config: { ...TEST_CONFIG, sesSandbox: true } });

  it('also lets the notifier send to recipient identities, only from the sender address', () => {
    const fn = fnNamed(service, 'notifier');
    templateOf(service, fn).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('NotifierFunction') }],
      PolicyDocument: {
        Statement: [
          {
            Sid: 'SendToVerifiedRecipientsInTheSesSandbox',
            Effect: 'Allow',
            Action: 'ses:SendEmail',
            Resource: IDENTITY_ARN_OF('*'),
            Condition: { StringEquals: { 'ses:FromAddress': 'alerts@example.org' } },
          },
        ],
      },
    });
  });

  it('is off by default: no grant beyond the sender identity', () => {
    const plain = synthesizeService({ bundle: false });
    for (const template of Object.values(plain.templates)) {
      expect(JSON.stringify(template.toJSON())).not.toContain('ses:FromAddress');
    }
  });

  it('passes cdk-nag: the wildcard identity is acknowledged with its reason', () => {
    const report = new AwsSolutionsChecks().validateScope(service.app);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });
});

describe('the sender identity', () => {
  it('is granted by an ARN built from the address, and never exported', () => {
    const service = synthesizeService({ bundle: false });
    service.templates.alerting.resourceCountIs('AWS::SES::EmailIdentity', 1);
    const fn = fnNamed(service, 'notifier');
    templateOf(service, fn).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'ses:SendEmail', Resource: IDENTITY_ARN_OF('alerts@example.org') },
        ]),
      },
    });
    for (const template of Object.values(service.templates)) {
      // Nothing refers to the identity resource: neither a grant nor an output.
      expect(JSON.stringify(template.toJSON())).not.toMatch(/"(Ref|Fn::GetAtt)":\[?"SenderIdentity/);
    }
    const outputs = JSON.stringify(service.templates.alerting.toJSON().Outputs ?? {});
    expect(outputs).not.toMatch(/SenderIdentity|EmailIdentity/);
    expect(senderIdentityArn('alerts@example.org')).toContain('identity/alerts@example.org');
  });

  it('is not created with createSenderIdentity=false; the grant names it all the same', () => {
    const service = synthesizeService({
      bundle: false,
      config: { ...TEST_CONFIG, createSenderIdentity: false },
    });
    service.templates.alerting.resourceCountIs('AWS::SES::EmailIdentity', 0);
    templateOf(service, fnNamed(service, 'notifier')).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'ses:SendEmail', Resource: IDENTITY_ARN_OF('alerts@example.org') },
        ]),
      },
    });
  });

  it('may be the domain of the sender', () => {
    const service = synthesizeService({
      bundle: false,
      config: { ...TEST_CONFIG, senderIdentity: 'example.org' },
    });
    service.templates.alerting.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example.org',
    });
    templateOf(service, fnNamed(service, 'notifier')).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'ses:SendEmail', Resource: IDENTITY_ARN_OF('example.org') },
        ]),
      },
    });
  });
});

describe('config validation', () => {
  const node = (context: Record<string, unknown>) => new App({ context }).node;
  const real = { senderEmail: 'alerts@costs.acme-corp.io', alarmEmail: 'oncall@acme-corp.io' };

  it.each([
    'a@example.com',
    'a@mail.example.org',
    'a@example.net',
    'a@corp.example',
    'a@host.local',
    'a@x.invalid',
    'a@x.test',
    'a@localhost',
  ])('recognises %s as a placeholder', (address) => {
    expect(isPlaceholderAddress(address)).toBe(true);
  });

  it.each(['a@acme-corp.io', 'a@examples.com', 'a@example.company'])('accepts %s as real', (address) => {
    expect(isPlaceholderAddress(address)).toBe(false);
  });

  it('accepts a placeholder sender and no alarm email in dev', () => {
    expect(readConfig(node({ senderEmail: 'cost-alerts@example.com' }))).toMatchObject({ stage: 'dev' });
  });

  it.each([
    [
      { ...real, stage: 'prod', senderEmail: 'cost-alerts@example.com' },
      /'senderEmail' is 'cost-alerts@example.com', a placeholder address where mail never arrives; stage 'prod' needs a real address/,
    ],
    [{ ...real, stage: 'staging', senderEmail: 'x@corp.local' }, /'senderEmail' .* placeholder/],
    [{ ...real, stage: 'prod', alarmEmail: 'oncall@example.org' }, /'alarmEmail' .* placeholder/],
    [
      { senderEmail: real.senderEmail, stage: 'prod' },
      /'alarmEmail' is required for stage 'prod': without it the operational alarms notify nobody/,
    ],
    [{ ...real, sesSandbox: 'yes' }, /'sesSandbox' is 'yes', expected true or false/],
    [{ ...real, senderIdentity: 'other.io' }, /'senderIdentity' is 'other.io', expected the sender address/],
  ])('rejects %j', (context, message) => {
    expect(() => readConfig(node(context))).toThrow(message);
  });

  it('reads the switches from -c strings and cdk.json booleans', () => {
    expect(
      readConfig(
        node({
          ...real,
          stage: 'prod',
          sesSandbox: 'true',
          createSenderIdentity: 'false',
          senderIdentity: 'costs.acme-corp.io',
        }),
      ),
    ).toEqual({
      stage: 'prod',
      ...real,
      senderIdentity: 'costs.acme-corp.io',
      createSenderIdentity: false,
      sesSandbox: true,
      tablePrefix: 'prod',
    });
    expect(readConfig(node({ ...real, sesSandbox: true }))).toMatchObject({ sesSandbox: true });
    expect(readConfig(node({ ...real, sesSandbox: false }))).not.toHaveProperty('sesSandbox');
  });
});
