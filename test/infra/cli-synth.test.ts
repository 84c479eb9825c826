import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/constructs/service-function.js';

const run = promisify(execFile);
const outdir = mkdtempSync(path.join(tmpdir(), 'cost-management-synth-'));

/** No AWS credentials, no profile, no instance metadata: the synth must need none of them. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  }
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(outdir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(outdir, 'no-credentials'),
  };
}

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('cdk synth (the CLI, as in a fresh clone)', () => {
  it('synthesizes the five stacks without AWS credentials and with no cdk-nag finding', async () => {
    const cdk = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
    const { stdout, stderr } = await run(
      cdk,
      [
        'synth',
        '--quiet',
        '--no-notices',
        '-c',
        'stage=ci',
        '-c',
        'senderEmail=cost-alerts@acme-corp.io',
        '-c',
        'alarmEmail=oncall@acme-corp.io',
        '-c',
        'sesSandbox=true',
        // Capture of the invocation logs from both deliveries, as an operator configures it.
        '-c',
        'captureTenants={"123456789012":"acme"}',
        '-c',
        'invocationLogGroup=/aws/bedrock/modelinvocations',
        '-c',
        'invocationLogBucket=acme-bedrock-logs',
        '-c',
        'invocationLogPrefix=bedrock/',
        // Per-tenant limits with an override, and the WAF rate rule, as JSON and number text.
        '-c',
        'tenantLimits={"default":{"rateLimit":25,"burstLimit":50},"overrides":{"acme":{"rateLimit":100,"burstLimit":200}},"tenants":["globex"]}',
        '-c',
        'wafRateLimit=2000',
        '-o',
        outdir,
      ],
      {
        cwd: PROJECT_ROOT,
        env: offlineEnv(),
        timeout: 150_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    expect(`${stdout}${stderr}`).not.toMatch(/AwsSolutions-|Synthesis finished with errors/);

    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([id]) => id)
      .sort();
    expect(stacks).toEqual([
      'CostManagement-ci-Alerting',
      'CostManagement-ci-Api',
      'CostManagement-ci-Console',
      'CostManagement-ci-Data',
      'CostManagement-ci-Operations',
    ]);

    const data = JSON.parse(
      readFileSync(path.join(outdir, 'CostManagement-ci-Data.template.json'), 'utf8'),
    ) as {
      Resources: Record<string, { Type: string; Properties: { TableName?: string } }>;
    };
    const tables = Object.values(data.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables.map((t) => t.Properties.TableName).every((name) => name?.startsWith('ci_bedrock_'))).toBe(
      true,
    );
    expect(tables).toHaveLength(13);

    // -c sesSandbox=true: the notifier may also send to recipient identities, from the sender only.
    const alerting = JSON.stringify(
      JSON.parse(readFileSync(path.join(outdir, 'CostManagement-ci-Alerting.template.json'), 'utf8')),
    );
    expect(alerting).toContain('"ses:FromAddress":"cost-alerts@acme-corp.io"');

    // The capture: subscribed to the log group, notified by the bucket, and the gap alarm.
    const operations = JSON.parse(
      readFileSync(path.join(outdir, 'CostManagement-ci-Operations.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const ofType = (type: string) => Object.values(operations.Resources).filter((r) => r.Type === type);
    expect(ofType('AWS::Logs::SubscriptionFilter').map((r) => r.Properties.LogGroupName)).toEqual([
      '/aws/bedrock/modelinvocations',
    ]);
    expect(ofType('Custom::S3BucketNotifications').map((r) => r.Properties.BucketName)).toEqual([
      'acme-bedrock-logs',
    ]);
    expect(
      ofType('AWS::CloudWatch::Alarm').filter((r) => r.Properties.MetricName === 'ReconciliationGap'),
    ).toHaveLength(1);

    // The tenant limits: the shared default plan, one per named tenant (acme's override), their keys, the WAF.
    const api = JSON.parse(
      readFileSync(path.join(outdir, 'CostManagement-ci-Api.template.json'), 'utf8'),
    ) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const apiOfType = (type: string) => Object.values(api.Resources).filter((r) => r.Type === type);
    expect(
      apiOfType('AWS::ApiGateway::UsagePlan')
        .map((r) => r.Properties.Throttle)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      { BurstLimit: 200, RateLimit: 100 },
      { BurstLimit: 50, RateLimit: 25 },
      { BurstLimit: 50, RateLimit: 25 },
    ]);
    expect(apiOfType('AWS::ApiGateway::ApiKey')).toHaveLength(3);
    expect(apiOfType('AWS::WAFv2::WebACL')).toHaveLength(1);
  }, 180_000);
});
