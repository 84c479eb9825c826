import { BASE_PATH, CONTRACT_ROUTES } from '@cost-management/contract';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { HANDLER_ROUTES, type HandlerRoute } from '../lambdas/functions/routes.js';
import { BINDING_ENV_VARS } from '../lambdas/platform/function-spec.js';
import type { AlertingResources } from './alerting-stack.js';
import { CONSOLE_CONFIG_FILE } from './console-stack.js';
import type { ServiceFunction } from './constructs/service-function.js';
import { createServiceFunction, type ServiceResources, type ServiceTables } from './function-factory.js';
import { functionsOf, type RegisteredFunction } from './functions.js';

export interface ApiThrottling {
  /** Steady-state requests per second over the whole stage. */
  rateLimit: number;
  burstLimit: number;
}

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
export const DEFAULT_THROTTLING: ApiThrottling = { rateLimit: 50, burstLimit: 100 };

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
 * the gateway's own errors (401, 404, 413, 429, 5xx) in the contract's error envelope.
 */
export class ApiStack extends Stack {
  readonly api: apigw.RestApi;
  readonly apiKeysSecret: secretsmanager.Secret;
  readonly authorizerFunction: ServiceFunction;
  readonly authorizer: apigw.TokenAuthorizer;
  readonly functions: ServiceFunction[] = [];
  readonly accessLogs: logs.LogGroup;
  readonly serverErrorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const routes = props.routes ?? HANDLER_ROUTES;
    const throttling = props.throttling ?? DEFAULT_THROTTLING;

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
      const open = contract?.auth === false;
      const resource = base.resourceForPath(route.path.replace(/^\//, ''));
      const method = resource.addMethod(
        route.method,
        new apigw.LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false }),
        {
          ...(open
            ? { authorizationType: apigw.AuthorizationType.NONE }
            : { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer: this.authorizer }),
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

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Callers are product backends, not people: each authenticates with an API key that the Lambda authorizer maps to its tenant; there is no user to sign in to a Cognito user pool.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF web ACL in this version, to keep the idle cost at zero (a web ACL is $5/month plus rules); stage throttling and the key authorizer bound abuse. Associate a web ACL for an internet-facing production stage.',
    });
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
          envelope('THROTTLED', 'Too many requests; retry later.'),
          { 'Retry-After': "'1'" },
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
