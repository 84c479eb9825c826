import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface ProxyEventInput {
  method: string;
  /** Full request path, e.g. `/api/cost-management/analytics/alice`. */
  path: string;
  /** Route template under the stage, e.g. `/api/cost-management/analytics/{userId}`. */
  resource: string;
  pathParameters: Record<string, string> | null;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string | null;
  tenantId: string | null;
  /** The role of the caller's key (`admin`, `ingest`, `viewer`), as the authorizer passes it. */
  role?: string | null;
  /** Non-secret id of the caller's key, as the deployed authorizer passes it. */
  keyId?: string | null;
  sourceIp: string;
  now: Date;
}

/** Builds the API Gateway (REST, proxy integration) event the deployed handlers receive. */
export function toProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  // No prototype: a query key such as `__proto__` or `toString` is data, as in API Gateway's JSON event.
  const query: Record<string, string> = Object.create(null);
  const multiQuery: Record<string, string[]> = Object.create(null);
  for (const [key, value] of input.query) {
    query[key] = value;
    multiQuery[key] = [...(multiQuery[key] ?? []), value];
  }
  const multiHeaders: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(input.headers)) multiHeaders[key] = [value];
  const requestId = randomUUID();
  return {
    httpMethod: input.method,
    path: input.path,
    resource: input.resource,
    pathParameters: input.pathParameters,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    headers: input.headers,
    multiValueHeaders: multiHeaders,
    body: input.body,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: input.tenantId
        ? {
            tenantId: input.tenantId,
            principalId: input.tenantId,
            role: input.role ?? 'admin',
            ...(input.keyId ? { keyId: input.keyId } : {}),
          }
        : null,
      protocol: 'HTTP/1.1',
      httpMethod: input.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: input.sourceIp,
        user: null,
        userAgent: input.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: input.path,
      stage: 'local',
      requestId,
      requestTimeEpoch: input.now.getTime(),
      resourceId: 'local',
      resourcePath: input.resource,
    },
  };
}
