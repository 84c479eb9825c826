import { BASE_PATH, CONTRACT_ROUTES } from '@cost-management/contract';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { HANDLER_ROUTES, type HandlerRoute } from '../lambdas/functions/routes.js';
import { BINDING_ENV_VARS } from '../lambdas/platform/function-spec.js';
import {
  DEFAULT_STAGE_LIMIT,
  DEFAULT_TENANT_LIMITS,
  HEALTH_LIMIT,
  limitOf,
  type RateLimit,
  type TenantLimits,
  tenantsWithUsageKeys,
  USAGE_PLAN_TENANTS_ENV,
  unlistedTenantsUsageKey,
  usageIdentifierKey,
} from '../lambdas/platform/tenant-limits.js';
import type { AlertingResources } from './alerting-stack.js';
import { CONSOLE_CONFIG_FILE } from './console-stack.js';
import type { ServiceFunction } from './constructs/service-function.js';
import { createServiceFunction, type ServiceResources, type ServiceTables } from './function-factory.js';
import { functionsOf, type RegisteredFunction } from './functions.js';

/** Steady-state requests per second over the whole stage, and the burst above it. */
export type ApiThrottling = RateLimit;

/** The deployed web console, served from an origin of its own. */
export interface ConsoleBinding {
  /** `https://<host>`: the one origin the API answers with CORS. */
  origin: string;
  /** Where the console's files are: the API's URL is written there as `config.json`. */
  bucket: s3.IBucket;
}

export interface ApiStackProps extends StackProps {
  stage: string;
  tables: ServiceTables;
  alerting: AlertingResources;
  /** The whole registry; this stack creates the `http` functions and the authorizer. */
  functions: readonly RegisteredFunction[];
  routes?: readonly HandlerRoute[];
  throttling?: ApiThrottling;
  /** Each tenant's request rate, enforced by API Gateway usage plans (default 20/s, burst 40). */
  tenantLimits?: TenantLimits;
  /** Requests per 5 minutes per client IP above which a WAF web ACL blocks; unset: no web ACL. */
  wafRateLimit?: number;
  /** The deployed console: CORS for its origin, and its `config.json`. */
  console?: ConsoleBinding;
}

/** The header that carries the API key. */
export const API_KEY_HEADER = 'x-api-key';
/** Headers a browser may send cross-origin (the console: the key and JSON bodies). */
export const CORS_ALLOW_HEADERS = ['content-type', API_KEY_HEADER];
/** How long a browser may reuse a preflight answer. */
export const CORS_MAX_AGE = Duration.hours(1);
/** How long API Gateway reuses an authorizer answer for the same key. */
export const AUTHORIZER_CACHE_TTL = Duration.minutes(5);
export const DEFAULT_THROTTLING: ApiThrottling = DEFAULT_STAGE_LIMIT;
/** How long a client blocked by the WAF rate rule is asked to wait. */
export const WAF_RETRY_AFTER_SECONDS = 60;

/** Name of the REST API of a stage; the dashboard finds its metrics by this name. */
export function restApiName(stage: string): string {
  return `cost-management-${stage}`;
}

function envelope(code: string, message: string, details?: { path: string; message: string }[]) {
  return {
    'application/json': JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } }),
  };
}

/**
 * The REST API: every route of `HANDLER_ROUTES` under `/api/cost-management` as a Lambda proxy
 * integration; a TOKEN authorizer reading `x-api-key` on every method but `GET /health`,
 * backed by the key hashes in a Secrets Manager secret that only the authorizer may read;
 * body validation on routes that take a body; JSON access logs; stage throttling; X-Ray; and
 * the gateway's own errors (401, 403, 404, 413, 429, 5xx) in the contract's error envelope.
 * Each tenant has its own request rate: usage plans keyed by the usage key the authorizer returns
 * for the caller's tenant (`apiKeySource` AUTHORIZER); the open `/health` has a small method
 * throttle of its own and no usage key. With `wafRateLimit`, a WAF web ACL limits each client IP.
 */
export class ApiStack extends Stack {
  readonly api: apigw.RestApi;
  readonly apiKeysSecret: secretsmanager.Secret;
  readonly authorizerFunction: ServiceFunction;
  readonly authorizer: apigw.TokenAuthorizer;
  readonly functions: ServiceFunction[] = [];
  readonly accessLogs: logs.LogGroup;
  readonly serverErrorsAlarm: cloudwatch.Alarm;
  /** The usage plan of the key that tenants not named in the limits share. */
  readonly defaultUsagePlan: apigw.UsagePlan;
  /** One usage plan per tenant named in the limits, at its override or the default limit. */
  readonly tenantUsagePlans = new Map<string, apigw.UsagePlan>();
  /** The API Gateway key of each tenant named in the limits, and of the unlisted tenants (`''`). */
  readonly usageKeys = new Map<string, apigw.ApiKey>();
  readonly webAcl?: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const routes = props.routes ?? HANDLER_ROUTES;
    const throttling = props.throttling ?? DEFAULT_THROTTLING;
    const tenantLimits = props.tenantLimits ?? DEFAULT_TENANT_LIMITS;
    const isOpen = (route: HandlerRoute) =>
      CONTRACT_ROUTES.find((c) => c.method === route.method && c.path === route.path)?.auth === false;
    // The open routes (the liveness check) have no usage key: a throttle of their own keeps them
    // from using up the stage's budget.
    const openMethodThrottles: Record<string, apigw.MethodDeploymentOptions> = Object.fromEntries(
      routes.filter(isOpen).map((route) => [
        `${BASE_PATH}${route.path}/${route.method}`,
        {
          throttlingRateLimit: HEALTH_LIMIT.rateLimit,
          throttlingBurstLimit: HEALTH_LIMIT.burstLimit,
          // A method's own settings replace the stage's: repeat the logging and metrics.
          loggingLevel: apigw.MethodLoggingLevel.ERROR,
          metricsEnabled: true,
          dataTraceEnabled: false,
        },
      ]),
    );

    this.apiKeysSecret = new secretsmanager.Secret(this, 'ApiKeys', {
      description:
        'API keys as SHA-256 hashes: { "<sha256 hex of the key>": "<tenant>" or { tenant, role, name, createdAt, expiresAt } }. Read only by the authorizer; edited with npm run keys.',
      secretObjectValue: {},
      // Kept with the data tables (retained too): deleting the stack must not revoke every client's key.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.apiKeysSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds hashes of API keys that product backends keep in their own configuration; keys are issued and revoked by operators (docs/DEPLOY.md), and rotating them automatically would lock those clients out.',
    });

    const resources: ServiceResources = {
      stackName: 'api',
      tables: props.tables,
      ...props.alerting,
      apiKeysSecret: this.apiKeysSecret,
    };
    const [authorizerEntry] = functionsOf(props.functions, 'authorizer');
    if (!authorizerEntry) throw new Error('The registry has no authorizer function.');
    this.authorizerFunction = createServiceFunction(this, authorizerEntry, resources);
    this.functions.push(this.authorizerFunction);
    const byName = new Map<string, ServiceFunction>();
    for (const registered of functionsOf(props.functions, 'http')) {
      const fn = createServiceFunction(this, registered, resources);
      // The shared HTTP envelope answers this origin (and no other) with CORS headers.
      if (props.console) fn.setEnvironment(BINDING_ENV_VARS.consoleOrigin, props.console.origin);
      byName.set(registered.spec.name, fn);
      this.functions.push(fn);
    }

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const field = apigw.AccessLogField;
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: restApiName(props.stage),
      description: 'Cost management for LLM usage on Amazon Bedrock',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: true,
      // The role is an account-wide setting that other stages and APIs rely on: keep it.
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      // Usage plans see the tenant's usage key, which the authorizer returns; clients never send one.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      deployOptions: {
        stageName: props.stage,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: field.contextRequestId(),
            requestTime: field.contextRequestTime(),
            sourceIp: field.contextIdentitySourceIp(),
            method: field.contextHttpMethod(),
            resourcePath: field.contextResourcePath(),
            status: field.contextStatus(),
            responseLength: field.contextResponseLength(),
            responseLatencyMs: field.contextResponseLatency(),
            integrationLatencyMs: field.contextIntegrationLatency(),
            tenantId: field.contextAuthorizer('tenantId'),
            authorizerLatencyMs: field.contextAuthorizerIntegrationLatency(),
            errorType: field.contextErrorResponseType(),
            xrayTraceId: field.contextXrayTraceId(),
          }),
        ),
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        methodOptions: openMethodThrottles,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
      // The deployed console's origin only: preflights (OPTIONS, answered by API Gateway itself) on
      // every resource; the handlers add `Access-Control-Allow-Origin` to their answers.
      ...(props.console
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [props.console.origin],
              allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
              allowHeaders: CORS_ALLOW_HEADERS,
              maxAge: CORS_MAX_AGE,
            },
          }
        : {}),
    });

    this.authorizer = new apigw.TokenAuthorizer(this, 'ApiKeyAuthorizer', {
      authorizerName: 'api-key',
      handler: this.authorizerFunction.function,
      identitySource: apigw.IdentitySource.header(API_KEY_HEADER),
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });
    const bodyValidator = this.api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // The gateway only checks for a JSON object; the handler's zod schema names every bad field.
    const jsonObject = this.api.addModel('JsonObjectModel', {
      contentType: 'application/json',
      modelName: 'JsonObject',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'JsonObject',
        type: apigw.JsonSchemaType.OBJECT,
      },
    });

    const base = this.api.root.resourceForPath(BASE_PATH);
    for (const route of routes) {
      const fn = byName.get(route.fn);
      if (!fn)
        throw new Error(
          `Route ${route.method} ${route.path} needs function '${route.fn}' registered as http.`,
        );
      const contract = CONTRACT_ROUTES.find((c) => c.method === route.method && c.path === route.path);
      const open = isOpen(route);
      const resource = base.resourceForPath(route.path.replace(/^\//, ''));
      const method = resource.addMethod(
        route.method,
        new apigw.LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false }),
        {
          ...(open
            ? { authorizationType: apigw.AuthorizationType.NONE }
            : {
                authorizationType: apigw.AuthorizationType.CUSTOM,
                authorizer: this.authorizer,
                // Counted against the caller's tenant: the usage key comes from the authorizer.
                apiKeyRequired: true,
              }),
          ...(contract?.body
            ? { requestValidator: bodyValidator, requestModels: { 'application/json': jsonObject } }
            : {}),
        },
      );
      if (open) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is the liveness check that uptime monitors call without a key; it answers {"status":"ok"} and reads nothing.`,
        });
      }
    }
    this.addGatewayResponses(props.console?.origin);
    if (props.console) this.writeConsoleConfig(props.console);
    this.defaultUsagePlan = this.addTenantUsagePlans(props.stage, tenantLimits);
    if (props.wafRateLimit !== undefined) this.webAcl = this.addWebAcl(props.wafRateLimit);

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Callers are product backends, not people: each authenticates with an API key that the Lambda authorizer maps to its tenant; there is no user to sign in to a Cognito user pool.',
    });
    if (props.wafRateLimit === undefined) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF web ACL unless the stage is deployed with -c wafRateLimit=<requests per 5 minutes per IP> (a web ACL is $5/month plus $1 per rule), to keep the idle cost at zero; per-tenant usage plans, the stage throttle and the key authorizer bound abuse meanwhile.',
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level role API Gateway uses to write access and execution logs; AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for it.',
    });

    this.serverErrorsAlarm = new cloudwatch.Alarm(this, 'ServerErrorsAlarm', {
      alarmDescription: 'The API answered 5 or more 5xx responses in 5 minutes',
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.serverErrorsAlarm.addAlarmAction(new SnsAction(props.alerting.alarmTopic));

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.urlForPath(BASE_PATH),
      description: 'Base URL of the API',
    });
    new CfnOutput(this, 'ApiKeysSecretArn', {
      value: this.apiKeysSecret.secretArn,
      description:
        'Secret holding the API key hashes (npm run keys; docs/DEPLOY.md, "Add or revoke an API key")',
    });
  }

  /**
   * Per-tenant request rates, each a usage plan on this stage: for every tenant named in the
   * limits, a plan at its override or the default limit with an API Gateway key (value
   * {@link usageIdentifierKey}); and a default plan with the key the unlisted tenants share. The
   * authorizer is told which tenants have a key of their own.
   */
  private addTenantUsagePlans(stage: string, limits: TenantLimits): apigw.UsagePlan {
    const apiStage = { api: this.api, stage: this.api.deploymentStage };
    const plan = (id: string, name: string, limit: RateLimit, description: string) =>
      this.api.addUsagePlan(id, {
        name: `${restApiName(stage)}-${name}`,
        description,
        throttle: { rateLimit: limit.rateLimit, burstLimit: limit.burstLimit },
        apiStages: [apiStage],
      });
    const defaultPlan = plan(
      'DefaultTenantUsagePlan',
      'tenant-default',
      limits.default,
      'Request rate shared by the tenants not named in tenantLimits',
    );
    const key = (id: string, tenant: string, value: string, description: string) => {
      const apiKey = new apigw.ApiKey(this, id, { value, description, enabled: true });
      this.usageKeys.set(tenant, apiKey);
      return apiKey;
    };
    defaultPlan.addApiKey(
      key(
        'UnlistedTenantsUsageKey',
        '',
        unlistedTenantsUsageKey(stage),
        'Usage key shared by tenants not named in tenantLimits (one default budget for all of them)',
      ),
    );
    const listed = tenantsWithUsageKeys(limits);
    for (const tenant of listed) {
      const apiKey = key(
        `TenantUsageKey-${tenant}`,
        tenant,
        usageIdentifierKey(stage, tenant),
        `Usage key of tenant ${tenant} (returned by the authorizer; not a secret, never sent by clients)`,
      );
      // A plan of its own even at the default limit: adding or removing an override then changes
      // the plan's numbers in place. Moving the key to another plan would fail the deploy, since
      // CloudFormation adds the new association before it drops the old one, and a key may be in
      // one usage plan per stage only.
      const own = plan(
        `TenantUsagePlan-${tenant}`,
        `tenant-${tenant}`,
        limitOf(limits, tenant),
        `Request rate of tenant ${tenant}`,
      );
      own.addApiKey(apiKey);
      this.tenantUsagePlans.set(tenant, own);
    }
    this.authorizerFunction.setEnvironment(USAGE_PLAN_TENANTS_ENV, JSON.stringify(listed));
    return defaultPlan;
  }

  /**
   * A regional WAF web ACL on the stage with one rate-based rule: a client IP above `limit`
   * requests in 5 minutes is blocked with a 429 in the error envelope until its rate falls again.
   */
  private addWebAcl(limit: number): wafv2.CfnWebACL {
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: true,
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Limits the request rate of each client IP on the cost management API',
      defaultAction: { allow: {} },
      visibilityConfig: metric(`${this.stackName}-web-acl`),
      customResponseBodies: {
        'rate-limited': {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            error: {
              code: 'THROTTLED',
              message: 'Too many requests from this address; retry after the Retry-After interval.',
            },
          }),
        },
      },
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'rate-limited',
                responseHeaders: [{ name: 'Retry-After', value: String(WAF_RETRY_AFTER_SECONDS) }],
              },
            },
          },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: metric(`${this.stackName}-rate-limit-per-ip`),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: acl.attrArn,
    });
    return acl;
  }

  /**
   * `config.json` next to the console's page: the API's base URL, which the console calls from its
   * own origin. Written here because the URL exists only here, by a custom resource whose role may
   * put exactly that object (and write its own log group); the console's own deployment leaves the
   * file alone. Sent `no-cache`: CloudFront keeps it one second at most.
   */
  private writeConsoleConfig(console: ConsoleBinding): void {
    const role = new iam.Role(this, 'ConsoleConfigRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Writes the web console's config.json",
    });
    const logGroup = new logs.LogGroup(this, 'ConsoleConfigLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    const put: AwsSdkCall = {
      service: 'S3',
      action: 'PutObject',
      parameters: {
        Bucket: console.bucket.bucketName,
        Key: CONSOLE_CONFIG_FILE,
        Body: Stack.of(this).toJsonString({ apiBaseUrl: this.api.urlForPath(BASE_PATH) }),
        ContentType: 'application/json',
        CacheControl: 'no-cache',
      },
      physicalResourceId: PhysicalResourceId.of('console-config'),
    };
    new AwsCustomResource(this, 'ConsoleConfig', {
      onCreate: put,
      onUpdate: put,
      role,
      logGroup,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
      policy: AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [console.bucket.arnForObjects(CONSOLE_CONFIG_FILE)],
        }),
      ]),
    });
  }

  /**
   * The gateway's own answers, in the same `{ error: { code, message } }` envelope as the handlers',
   * readable by the console's origin when one is given (a 401 or 429 is shown on the page).
   */
  private addGatewayResponses(consoleOrigin?: string): void {
    const unauthorized = envelope('UNAUTHORIZED', `Missing or unknown API key (header ${API_KEY_HEADER}).`);
    const unavailable = envelope('UNAVAILABLE', 'The service is unavailable; retry later.');
    const responses: [string, apigw.ResponseType, string, Record<string, string>, Record<string, string>?][] =
      [
        ['Unauthorized', apigw.ResponseType.UNAUTHORIZED, '401', unauthorized],
        ['AccessDenied', apigw.ResponseType.ACCESS_DENIED, '401', unauthorized],
        [
          'NotFound',
          apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
          '404',
          envelope('NOT_FOUND', 'No such route; see GET /api/cost-management/openapi.json.'),
        ],
        [
          'BadRequestBody',
          apigw.ResponseType.BAD_REQUEST_BODY,
          '400',
          envelope('VALIDATION_ERROR', 'The body must be a JSON object.', [
            { path: '(body)', message: 'expected a JSON object' },
          ]),
        ],
        [
          'RequestTooLarge',
          apigw.ResponseType.REQUEST_TOO_LARGE,
          '413',
          envelope('PAYLOAD_TOO_LARGE', 'The body is larger than the API accepts.'),
        ],
        [
          'Throttled',
          apigw.ResponseType.THROTTLED,
          '429',
          envelope(
            'THROTTLED',
            "Too many requests for this tenant's (or the API's) rate limit; retry after the Retry-After interval.",
          ),
          { 'Retry-After': "'1'" },
        ],
        [
          'QuotaExceeded',
          apigw.ResponseType.QUOTA_EXCEEDED,
          '429',
          envelope(
            'THROTTLED',
            "This tenant's request quota is used up; retry after the Retry-After interval.",
          ),
          { 'Retry-After': "'60'" },
        ],
        [
          // A valid key whose tenant has no usage key on this stage (see docs/DEPLOY.md).
          'InvalidUsageKey',
          apigw.ResponseType.INVALID_API_KEY,
          '403',
          envelope(
            'FORBIDDEN',
            "The tenant of this API key has no usage plan on this stage; the operator must add it to the stage's tenant limits.",
          ),
        ],
        [
          'AuthorizerFailure',
          apigw.ResponseType.AUTHORIZER_FAILURE,
          '503',
          unavailable,
          { 'Retry-After': "'5'" },
        ],
        [
          'AuthorizerConfigurationError',
          apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
          '503',
          unavailable,
          { 'Retry-After': "'5'" },
        ],
        [
          'IntegrationFailure',
          apigw.ResponseType.INTEGRATION_FAILURE,
          '503',
          unavailable,
          { 'Retry-After': "'5'" },
        ],
        [
          'IntegrationTimeout',
          apigw.ResponseType.INTEGRATION_TIMEOUT,
          '503',
          unavailable,
          { 'Retry-After': "'5'" },
        ],
        ['Default5xx', apigw.ResponseType.DEFAULT_5XX, '500', envelope('INTERNAL', 'Internal error.')],
      ];
    const cors: Record<string, string> = consoleOrigin
      ? {
          'Access-Control-Allow-Origin': `'${consoleOrigin}'`,
          'Access-Control-Expose-Headers': "'retry-after'",
          Vary: "'Origin'",
        }
      : {};
    for (const [id, type, statusCode, templates, responseHeaders] of responses) {
      const headers = { ...responseHeaders, ...cors };
      this.api.addGatewayResponse(id, {
        type,
        statusCode,
        templates,
        ...(Object.keys(headers).length > 0 ? { responseHeaders: headers } : {}),
      });
    }
  }
}
