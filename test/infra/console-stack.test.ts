import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, AssetStaging } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_ROUTES } from '../../lambdas/functions/routes.js';
import { readConfig } from '../../lib/config.js';
import { consoleContentSecurityPolicy } from '../../lib/console-stack.js';
import { CONSOLE_SECURITY_HEADERS } from '../../local/console-static.js';
import {
  allFunctions,
  fnNamed,
  logicalId,
  propertiesOf,
  roleStatements,
  type SynthesizedService,
  synthesizeService,
  TEST_CONFIG,
} from './support/service.js';

let service: SynthesizedService;
beforeAll(() => {
  service = synthesizeService();
});

type Json = unknown;
/** The distribution's domain as the other stacks import it. */
const importsDomain = (value: Json) => /Distribution\w*DomainName/.test(JSON.stringify(value));

describe('console stack: the built console in a private bucket behind CloudFront', () => {
  it('keeps the bucket private: public access blocked, TLS only, readable by the distribution alone', () => {
    const template = service.templates.console;
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    const policy = JSON.stringify(template.findResources('AWS::S3::BucketPolicy'));
    expect(policy).toContain('"aws:SecureTransport":"false"');
    // Origin access control: CloudFront's service principal, for this distribution only.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: {
              StringEquals: {
                'AWS:SourceArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }),
              },
            },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });

  it('serves index.html over HTTPS only, with the security headers policy', () => {
    const distribution = propertiesOf(service, service.stacks.console.distribution).DistributionConfig;
    expect(distribution.DefaultRootObject).toBe('index.html');
    expect(distribution.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      Compress: true,
      ResponseHeadersPolicyId: { Ref: logicalId(service.stacks.console.headersPolicy) },
    });
    expect(distribution.Origins[0].OriginAccessControlId).toBeDefined();
  });

  it('sends a strict CSP, HSTS, nosniff, frame denial and no referrer with every file', () => {
    const config = propertiesOf(service, service.stacks.console.headersPolicy).ResponseHeadersPolicyConfig;
    const security = config.SecurityHeadersConfig;
    expect(security.ContentSecurityPolicy.Override).toBe(true);
    expect(JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy)).toContain(
      "default-src 'self'; connect-src 'self' https://*.execute-api.",
    );
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 730 * 86_400,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'no-referrer', Override: true });
    expect(config.CustomHeadersConfig.Items).toEqual([
      { Header: 'Cross-Origin-Opener-Policy', Value: 'same-origin', Override: true },
    ]);
    // The deployed policy is the local one, plus the API's origin for connect-src.
    const csp = consoleContentSecurityPolicy('eu-west-1');
    for (const directive of CONSOLE_SECURITY_HEADERS['content-security-policy'].split('; '))
      expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-|\*\.amazonaws\.com(?!\.)|data:/);
  });

  it('deploys the console built at synth, never over the API stack’s config.json, revalidated on every load', () => {
    const deployments = Object.values(service.templates.console.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    expect(deployments[0]?.Properties).toMatchObject({
      Exclude: ['config.json'],
      Prune: true,
      SystemMetadata: { 'cache-control': 'no-cache' },
      DestinationBucketName: { Ref: logicalId(service.stacks.console.bucket) },
    });
    const staged = service.stacks.console.node
      .findAll()
      .filter((c): c is AssetStaging => c instanceof AssetStaging)
      .map((a) => a.absoluteStagedPath)
      .find((path) => existsSync(join(path, 'index.html')));
    expect(staged).toBeDefined();
    const files = readdirSync(staged as string).sort();
    expect(files).toEqual(['app.css', 'app.js', 'blank.html', 'index.html']);
    expect(readFileSync(join(staged as string, 'index.html'), 'utf8')).toContain('src="app.js"');
  });

  it('names the console URL as an output', () => {
    const outputs = service.templates.console.toJSON().Outputs as Record<string, { Value: Json }>;
    expect(JSON.stringify(outputs.ConsoleUrl?.Value)).toContain('DomainName');
  });
});

describe('the API for the deployed console', () => {
  it('answers preflights from the console origin alone on every resource, without a key', () => {
    const methods = Object.values(service.templates.api.findResources('AWS::ApiGateway::Method'));
    const preflights = methods.filter((m) => m.Properties.HttpMethod === 'OPTIONS');
    const resources = Object.keys(service.templates.api.findResources('AWS::ApiGateway::Resource'));
    // Every resource (and the root) has its preflight.
    expect(preflights.length).toBe(resources.length + 1);
    for (const preflight of preflights) {
      expect(preflight.Properties.AuthorizationType).toBe('NONE');
      expect(preflight.Properties.Integration.Type).toBe('MOCK');
      const headers = preflight.Properties.Integration.IntegrationResponses[0].ResponseParameters;
      const origin = headers['method.response.header.Access-Control-Allow-Origin'];
      expect(importsDomain(origin)).toBe(true);
      expect(JSON.stringify(origin)).toMatch(/"'https:\/\/"/);
      expect(headers['method.response.header.Access-Control-Allow-Headers']).toBe("'content-type,x-api-key'");
      expect(headers['method.response.header.Access-Control-Allow-Methods']).toBe("'GET,POST,PUT,DELETE'");
    }
  });

  it('tells every function behind the API the console origin, and no other function', () => {
    const routed = new Set(HANDLER_ROUTES.map((r) => r.fn));
    for (const fn of allFunctions(service)) {
      const env = propertiesOf(service, fn.function).Environment?.Variables ?? {};
      expect({ fn: fn.spec.name, has: 'CONSOLE_ORIGIN' in env }).toEqual({
        fn: fn.spec.name,
        has: routed.has(fn.spec.name),
      });
      if (routed.has(fn.spec.name)) expect(importsDomain(env.CONSOLE_ORIGIN)).toBe(true);
    }
  });

  it('lets the console read the gateway’s own error answers (401, 429, 5xx)', () => {
    const responses = Object.values(service.templates.api.findResources('AWS::ApiGateway::GatewayResponse'));
    expect(responses.length).toBeGreaterThan(5);
    for (const response of responses) {
      expect(
        importsDomain(
          response.Properties.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin'],
        ),
      ).toBe(true);
    }
  });

  it('writes config.json with the API URL, with a role that may put that one object only', () => {
    const writes = Object.values(service.templates.api.findResources('Custom::AWS'));
    expect(writes).toHaveLength(1);
    const create = JSON.stringify(writes[0]?.Properties.Create);
    expect(create).toContain('\\"action\\":\\"PutObject\\"');
    expect(create).toContain('config.json');
    expect(create).toContain('apiBaseUrl');
    expect(create).toContain('/api/cost-management');
    const role = service.stacks.api.node.findChild('ConsoleConfigRole');
    const statements = roleStatements(service, role);
    const s3 = statements.filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    expect(s3).toHaveLength(1);
    expect(s3[0]?.actions).toEqual(['s3:PutObject']);
    expect(s3[0]?.resources).toHaveLength(1);
    expect(s3[0]?.resources[0]).toMatch(/\/config\.json$/);
  });

  it('links alert notices (the notifier sends every one, the sweep asks it to) to the console', () => {
    const env = propertiesOf(service, fnNamed(service, 'notifier').function).Environment.Variables;
    expect(JSON.stringify(env.CONSOLE_URL)).toMatch(/"https:\/\/",.*Distribution\w*DomainName.*"\/"/);
    for (const name of ['sweep', 'sweep-worker']) {
      const vars = propertiesOf(service, fnNamed(service, name).function).Environment.Variables;
      expect(vars.CONSOLE_URL).toBeUndefined();
    }
  });
});

describe('a console URL of your own (context consoleUrl)', () => {
  const own = synthesizeService({
    bundle: false,
    config: { ...TEST_CONFIG, consoleUrl: 'https://costs.acme-corp.io/console/' },
  });

  it('is the link of alert notices and the one origin the API answers with CORS', () => {
    const notifier = propertiesOf(own, fnNamed(own, 'notifier').function).Environment.Variables;
    expect(notifier.CONSOLE_URL).toBe('https://costs.acme-corp.io/console/');
    const usage = propertiesOf(own, fnNamed(own, 'usage-api').function).Environment.Variables;
    expect(usage.CONSOLE_ORIGIN).toBe('https://costs.acme-corp.io');
    const preflight = Object.values(own.templates.api.findResources('AWS::ApiGateway::Method')).find(
      (m) => m.Properties.HttpMethod === 'OPTIONS',
    );
    expect(
      preflight?.Properties.Integration.IntegrationResponses[0].ResponseParameters[
        'method.response.header.Access-Control-Allow-Origin'
      ],
    ).toBe("'https://costs.acme-corp.io'");
  });

  it('passes cdk-nag', () => {
    const report = new AwsSolutionsChecks().validateScope(own.app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('must be an https URL without query or fragment', () => {
    const config = (consoleUrl: string) =>
      readConfig(new App({ context: { senderEmail: 'a@acme-corp.io', consoleUrl } }).node);
    expect(config('https://costs.acme-corp.io/').consoleUrl).toBe('https://costs.acme-corp.io/');
    for (const bad of [
      'http://costs.acme-corp.io/',
      'https://costs.acme-corp.io/?a=1',
      'https://x/#/a',
      'costs',
    ]) {
      expect(() => config(bad), bad).toThrow(/consoleUrl/);
    }
    expect(
      readConfig(new App({ context: { senderEmail: 'a@acme-corp.io' } }).node).consoleUrl,
    ).toBeUndefined();
  });
});
