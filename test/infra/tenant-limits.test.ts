import { BASE_PATH, CONTRACT_ROUTES } from '@cost-management/contract';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TENANT_LIMIT,
  HEALTH_LIMIT,
  unlistedTenantsUsageKey,
  usageIdentifierKey,
} from '../../lambdas/platform/tenant-limits.js';
import { readConfig } from '../../lib/config.js';
import { logicalId, propertiesOf, synthesizeService, TEST_CONFIG } from './support/service.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

const LIMITS = {
  default: { rateLimit: 10, burstLimit: 20 },
  overrides: {
    acme: { rateLimit: 100, burstLimit: 200 },
    globex: { rateLimit: 2.5, burstLimit: 5 },
  },
  tenants: ['initech', 'acme'],
};

const plain = synthesizeService({ bundle: false });
const configured = synthesizeService({
  bundle: false,
  config: {
    ...TEST_CONFIG,
    tenantLimits: LIMITS,
    stageLimit: { rateLimit: 800, burstLimit: 1600 },
    wafRateLimit: 3000,
  },
});

function resources(template: Template, type: string): Resource[] {
  return Object.values(template.findResources(type)) as Resource[];
}

/** Every non-OPTIONS method with its full path. */
function methods(template: Template): { route: string; properties: Record<string, unknown> }[] {
  const byId = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (id: string | undefined): string => {
    const resource = id ? byId[id] : undefined;
    if (!resource) return '';
    return `${pathOf((resource.Properties.ParentId as { Ref?: string }).Ref)}/${resource.Properties.PathPart}`;
  };
  return resources(template, 'AWS::ApiGateway::Method')
    .filter((m) => m.Properties.HttpMethod !== 'OPTIONS')
    .map((m) => ({
      route: `${m.Properties.HttpMethod} ${pathOf((m.Properties.ResourceId as { Ref: string }).Ref)}`,
      properties: m.Properties,
    }));
}

/** Usage plans by name, each with its throttle and the values of its keys. */
function plans(service: typeof plain): Record<string, { throttle: unknown; keys: string[] }> {
  const template = service.templates.api;
  const keyValues = template.findResources('AWS::ApiGateway::ApiKey');
  const planKeys = resources(template, 'AWS::ApiGateway::UsagePlanKey');
  const out: Record<string, { throttle: unknown; keys: string[] }> = {};
  for (const [id, plan] of Object.entries(template.findResources('AWS::ApiGateway::UsagePlan'))) {
    expect(plan.Properties.ApiStages).toEqual([
      {
        ApiId: { Ref: logicalId(service.stacks.api.api) },
        Stage: { Ref: logicalId(service.stacks.api.api.deploymentStage) },
        Throttle: {},
      },
    ]);
    out[plan.Properties.UsagePlanName] = {
      throttle: plan.Properties.Throttle,
      keys: planKeys
        .filter((k) => (k.Properties.UsagePlanId as { Ref: string }).Ref === id)
        .map((k) => keyValues[(k.Properties.KeyId as { Ref: string }).Ref]?.Properties.Value as string)
        .sort(),
    };
  }
  return out;
}

function authorizerEnvironment(service: typeof plain): Record<string, unknown> {
  return propertiesOf(service, service.stacks.api.authorizerFunction.function).Environment.Variables;
}

describe('per-tenant usage plans', () => {
  it('take the usage key from the authorizer', () => {
    for (const service of [plain, configured]) {
      const [api] = resources(service.templates.api, 'AWS::ApiGateway::RestApi');
      expect(api?.Properties.ApiKeySourceType).toBe('AUTHORIZER');
    }
  });

  it('default to 20/s, burst 40 per tenant, with only the unlisted tenants’ shared key', () => {
    expect(plans(plain)).toEqual({
      'cost-management-test-tenant-default': {
        throttle: { RateLimit: DEFAULT_TENANT_LIMIT.rateLimit, BurstLimit: DEFAULT_TENANT_LIMIT.burstLimit },
        keys: [unlistedTenantsUsageKey('test')],
      },
    });
    expect(DEFAULT_TENANT_LIMIT).toEqual({ rateLimit: 20, burstLimit: 40 });
    expect(authorizerEnvironment(plain).USAGE_PLAN_TENANTS).toBe('[]');
  });

  it('give every named tenant a plan of its own, at its override or the default limit', () => {
    expect(plans(configured)).toEqual({
      'cost-management-test-tenant-default': {
        throttle: { RateLimit: 10, BurstLimit: 20 },
        keys: [unlistedTenantsUsageKey('test')],
      },
      'cost-management-test-tenant-acme': {
        throttle: { RateLimit: 100, BurstLimit: 200 },
        keys: [usageIdentifierKey('test', 'acme')],
      },
      'cost-management-test-tenant-globex': {
        throttle: { RateLimit: 2.5, BurstLimit: 5 },
        keys: [usageIdentifierKey('test', 'globex')],
      },
      'cost-management-test-tenant-initech': {
        throttle: { RateLimit: 10, BurstLimit: 20 },
        keys: [usageIdentifierKey('test', 'initech')],
      },
    });
  });

  it('keep a tenant’s key in the same plan when its override comes or goes (a key cannot move plans in one deploy)', () => {
    const without = synthesizeService({
      bundle: false,
      config: { ...TEST_CONFIG, tenantLimits: { ...LIMITS, overrides: {} } },
    });
    const planKeyIds = (service: typeof plain) =>
      Object.keys(service.templates.api.findResources('AWS::ApiGateway::UsagePlanKey'))
        .filter((id) => /acme/.test(id))
        .sort();
    expect(planKeyIds(without)).toEqual(planKeyIds(configured));
    expect(planKeyIds(without)).toHaveLength(1);
    expect(plans(without)['cost-management-test-tenant-acme']?.throttle).toEqual({
      RateLimit: 10,
      BurstLimit: 20,
    });
  });

  it('create one enabled API key per named tenant, and tell the authorizer which tenants have one', () => {
    const keys = resources(configured.templates.api, 'AWS::ApiGateway::ApiKey');
    expect(keys.map((k) => k.Properties.Value).sort()).toEqual(
      [
        unlistedTenantsUsageKey('test'),
        usageIdentifierKey('test', 'acme'),
        usageIdentifierKey('test', 'globex'),
        usageIdentifierKey('test', 'initech'),
      ].sort(),
    );
    for (const key of keys) expect(key.Properties.Enabled).toBe(true);
    expect(JSON.parse(authorizerEnvironment(configured).USAGE_PLAN_TENANTS as string)).toEqual([
      'acme',
      'globex',
      'initech',
    ]);
  });

  it('require the usage key on every method behind the authorizer, and not on the open ones', () => {
    const open = new Set(
      CONTRACT_ROUTES.filter((r) => !r.auth).map((r) => `${r.method} ${BASE_PATH}${r.path}`),
    );
    expect(open).toEqual(new Set([`GET ${BASE_PATH}/health`]));
    const all = methods(configured.templates.api);
    expect(all.length).toBeGreaterThan(10);
    for (const m of all) {
      const isOpen = open.has(m.route);
      expect({ route: m.route, apiKeyRequired: m.properties.ApiKeyRequired === true }).toEqual({
        route: m.route,
        apiKeyRequired: !isOpen,
      });
      expect({ route: m.route, auth: m.properties.AuthorizationType }).toEqual({
        route: m.route,
        auth: isOpen ? 'NONE' : 'CUSTOM',
      });
    }
  });
});

describe('stage and /health throttles', () => {
  const stageOf = (service: typeof plain) =>
    resources(service.templates.api, 'AWS::ApiGateway::Stage')[0]?.Properties as {
      MethodSettings: Record<string, unknown>[];
    };

  it('raise the stage limit to 500/s, burst 1000, unless configured', () => {
    expect(stageOf(plain).MethodSettings[0]).toMatchObject({
      HttpMethod: '*',
      ResourcePath: '/*',
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 1000,
    });
    expect(stageOf(configured).MethodSettings[0]).toMatchObject({
      ThrottlingRateLimit: 800,
      ThrottlingBurstLimit: 1600,
    });
  });

  it('give GET /health a small throttle of its own, keeping the stage’s logging and metrics', () => {
    expect(stageOf(plain).MethodSettings[1]).toEqual({
      HttpMethod: 'GET',
      ResourcePath: '/~1api~1cost-management~1health',
      ThrottlingRateLimit: HEALTH_LIMIT.rateLimit,
      ThrottlingBurstLimit: HEALTH_LIMIT.burstLimit,
      LoggingLevel: 'ERROR',
      MetricsEnabled: true,
      DataTraceEnabled: false,
    });
    expect(HEALTH_LIMIT.rateLimit * 10).toBeLessThanOrEqual(500);
    expect(stageOf(plain).MethodSettings).toHaveLength(2);
  });
});

/** The gateway response of a type: its status, headers and parsed JSON body. */
function gatewayResponse(type: string) {
  const found = resources(plain.templates.api, 'AWS::ApiGateway::GatewayResponse').find(
    (r) => r.Properties.ResponseType === type,
  );
  if (!found) throw new Error(`no gateway response ${type}`);
  const props = found.Properties as {
    StatusCode: string;
    ResponseParameters?: Record<string, string>;
    ResponseTemplates: Record<string, string>;
  };
  return {
    status: props.StatusCode,
    retryAfter: props.ResponseParameters?.['gatewayresponse.header.Retry-After'],
    body: JSON.parse(props.ResponseTemplates['application/json'] ?? '') as {
      error: { code: string; message: string };
    },
  };
}

describe('429 answers', () => {
  it('answer a throttle or a quota with THROTTLED in the error envelope and a Retry-After', () => {
    for (const [type, retryAfter] of [
      ['THROTTLED', "'1'"],
      ['QUOTA_EXCEEDED', "'60'"],
    ] as const) {
      const response = gatewayResponse(type);
      expect(response.status).toBe('429');
      expect(response.retryAfter).toBe(retryAfter);
      expect(response.body.error.code).toBe('THROTTLED');
      expect(response.body.error.message).toMatch(/retry after the Retry-After interval/);
    }
  });

  it('answer a tenant without a usage key with 403 FORBIDDEN in the envelope', () => {
    const response = gatewayResponse('INVALID_API_KEY');
    expect(response.status).toBe('403');
    expect(response.body.error.code).toBe('FORBIDDEN');
  });
});

describe('WAF option', () => {
  it('creates no web ACL without wafRateLimit', () => {
    plain.templates.api.resourceCountIs('AWS::WAFv2::WebACL', 0);
    plain.templates.api.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  it('with wafRateLimit, blocks an IP above the limit per 5 minutes with a 429 envelope, on the stage', () => {
    const [acl] = resources(configured.templates.api, 'AWS::WAFv2::WebACL');
    expect(acl?.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const rules = acl?.Properties.Rules as Record<string, unknown>[];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      Statement: { RateBasedStatement: { Limit: 3000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
      Action: {
        Block: {
          CustomResponse: {
            ResponseCode: 429,
            CustomResponseBodyKey: 'rate-limited',
            ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }],
          },
        },
      },
    });
    const bodies = acl?.Properties.CustomResponseBodies as Record<
      string,
      { Content: string; ContentType: string }
    >;
    expect(bodies['rate-limited']?.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(bodies['rate-limited']?.Content ?? '').error.code).toBe('THROTTLED');
    const [association] = resources(configured.templates.api, 'AWS::WAFv2::WebACLAssociation');
    expect(association?.Properties.WebACLArn).toEqual({
      'Fn::GetAtt': [logicalId(configured.stacks.api.webAcl as CfnWebACL), 'Arn'],
    });
    expect(JSON.stringify(association?.Properties.ResourceArn)).toContain(
      logicalId(configured.stacks.api.api.deploymentStage),
    );
  });

  it('passes cdk-nag both ways: the missing web ACL is acknowledged only without the option', () => {
    for (const service of [plain, configured]) {
      const report = new AwsSolutionsChecks().validateScope(service.app);
      expect(
        report.violations.map(
          (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
        ),
      ).toEqual([]);
    }
    const acknowledged = (service: typeof plain) =>
      JSON.stringify(service.app.node.findAll().flatMap((c) => c.node.metadata.map((m) => m.data))).includes(
        'AwsSolutions-APIG3',
      );
    expect(acknowledged(plain)).toBe(true);
    expect(acknowledged(configured)).toBe(false);
  });
});

describe('configuration', () => {
  const node = (context: Record<string, unknown>) =>
    new App({ context: { senderEmail: 'cost-alerts@example.com', ...context } }).node;

  it('reads tenantLimits, stageLimit and wafRateLimit as JSON objects or JSON text', () => {
    const config = readConfig(
      node({
        tenantLimits: JSON.stringify(LIMITS),
        stageLimit: { rateLimit: 800, burstLimit: 1600 },
        wafRateLimit: '3000',
      }),
    );
    expect(config.tenantLimits).toEqual({ ...LIMITS, tenants: ['initech', 'acme'] });
    expect(config.stageLimit).toEqual({ rateLimit: 800, burstLimit: 1600 });
    expect(config.wafRateLimit).toBe(3000);
    const bare = readConfig(node({}));
    expect(bare).not.toHaveProperty('tenantLimits');
    expect(bare).not.toHaveProperty('wafRateLimit');
  });

  it.each([
    [{ tenantLimits: '{bad' }, "Context value 'tenantLimits' is not valid JSON."],
    [
      { tenantLimits: { default: { rateLimit: 20 } } },
      "Context value 'tenantLimits' is invalid: tenantLimits.default.burstLimit is undefined, expected a whole number of requests from 1 to 5000.",
    ],
    [
      { tenantLimits: { overrides: { 'no spaces': { rateLimit: 1, burstLimit: 1 } } } },
      'tenantLimits.overrides names tenant "no spaces"',
    ],
    [{ tenantLimits: { tenant: ['a'] } }, "tenantLimits has unknown field 'tenant'"],
    [
      { tenantLimits: { overrides: { acme: { rateLimit: 100, burstLimit: 2000 } } } },
      "tenantLimits.overrides.acme (100/s, burst 2000) is above the stage's limit (500/s, burst 1000)",
    ],
    [
      { stageLimit: { rateLimit: 10, burstLimit: 20 } },
      "tenantLimits.default (20/s, burst 40) is above the stage's limit (10/s, burst 20)",
    ],
    [
      { stageLimit: { rateLimit: -1, burstLimit: 20 } },
      "Context value 'stageLimit' is invalid: stageLimit.rateLimit is -1",
    ],
    [
      { wafRateLimit: '5' },
      "Context value 'wafRateLimit' is '5', expected requests per 5 minutes per client IP",
    ],
    [{ wafRateLimit: 'lots' }, "Context value 'wafRateLimit' is 'lots'"],
    [{ wafRateLimit: 100.5 }, "Context value 'wafRateLimit' is '100.5'"],
  ])('refuses %j, naming the problem', (context, message) => {
    expect(() => readConfig(node(context))).toThrow(message);
  });
});
