import { ValidationError } from '@cost-management/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod/mini';
import { CONSOLE_ORIGIN_ENV, consoleOrigin } from './console-origin.js';
import { toErrorResponse } from './error-map.js';
import { ForbiddenError, PayloadTooLargeError, UnauthorizedError } from './errors.js';
import { logger } from './logger.js';

export const MAX_BODY_BYTES = 256 * 1024;

export interface HttpRequest {
  event: APIGatewayProxyEvent;
  /** The tenant of the API key, set by the authorizer (deployed) or the local runtime. */
  tenantId: string;
  /** Non-secret id of the caller's API key (see `keyIdOfHash`), for audit entries; absent on public routes. */
  keyId?: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  /** Parsed JSON body, or undefined when there is none. */
  body: unknown;
}

export interface HttpResult {
  status: number;
  body?: unknown;
  /** A non-JSON body (CSV); `body` is ignored when set. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface HttpHandlerOptions {
  /** Only `/health` is served without a tenant. */
  public?: boolean;
  /** The key roles that may call the route (from the contract); unset: every role. */
  roles?: readonly string[];
}

/** Sent with every answer, JSON or not (usage data must not sit in shared caches). */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', ...COMMON_HEADERS };

export { CONSOLE_ORIGIN_ENV, consoleOrigin };

/** Headers the console may read from a cross-origin answer besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'retry-after, x-next-cursor';

function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && value) return value;
  }
  return undefined;
}

/**
 * CORS for the console's origin only: an answer to a request from exactly that origin may be read
 * by the page there; any other origin gets no `access-control-allow-origin`. `Vary: Origin` keeps
 * caches from mixing the two.
 */
function corsHeaders(event: APIGatewayProxyEvent, allowed: string | undefined): Record<string, string> {
  if (!allowed) return {};
  if (headerOf(event, 'origin') !== allowed) return { vary: 'Origin' };
  return {
    vary: 'Origin',
    'access-control-allow-origin': allowed,
    'access-control-expose-headers': EXPOSED_HEADERS,
  };
}

function keyIdOf(event: APIGatewayProxyEvent): string | undefined {
  const authorizer = event.requestContext?.authorizer as { keyId?: unknown } | null | undefined;
  const keyId = authorizer?.keyId;
  return typeof keyId === 'string' && keyId.length > 0 ? keyId : undefined;
}

function tenantOf(event: APIGatewayProxyEvent): string | undefined {
  const authorizer = event.requestContext?.authorizer as { tenantId?: unknown } | null | undefined;
  const tenantId = authorizer?.tenantId;
  return typeof tenantId === 'string' && tenantId.length > 0 ? tenantId : undefined;
}

/**
 * The role of the caller's key, from the authorizer context; `admin` when the context has none
 * (an authorizer answer from before keys had roles).
 */
function roleOf(event: APIGatewayProxyEvent): string {
  const authorizer = event.requestContext?.authorizer as { role?: unknown } | null | undefined;
  const role = authorizer?.role;
  return typeof role === 'string' && role.length > 0 ? role : 'admin';
}

function parseBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('The body is not valid JSON.', [{ path: '(body)', message: 'malformed JSON' }]);
  }
}

/** Validates a path parameter; a bad one is a 400 naming it. */
export function pathParam<S extends z.ZodMiniType>(
  request: HttpRequest,
  name: string,
  schema: S,
): z.output<S> {
  const result = schema.safeParse(request.pathParameters[name]);
  if (!result.success) {
    throw new ValidationError(`The path parameter ${name} is invalid.`, [
      { path: name, message: result.error.issues.map((i) => i.message).join('; ') },
    ]);
  }
  return result.data;
}

/** Parses `value` with `schema`; failures become a 400 naming each field (via the error mapping). */
export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown): z.output<S> {
  return schema.parse(value ?? {});
}

export function json(status: number, body?: unknown, headers: Record<string, string> = {}): HttpResult {
  return { status, body, headers };
}

/**
 * Wraps a use case in the shared HTTP envelope: auth context, body parsing, error mapping, and
 * CORS for the console's own origin when one is configured ({@link CONSOLE_ORIGIN_ENV}).
 */
export function httpHandler(
  run: (request: HttpRequest) => Promise<HttpResult>,
  options: HttpHandlerOptions = {},
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const allowedOrigin = consoleOrigin();
  return async (event) => {
    const cors = corsHeaders(event, allowedOrigin);
    // Every log line of this request carries API Gateway's request id (also in the access log).
    logger.setCorrelationId(event.requestContext?.requestId);
    try {
      const tenantId = tenantOf(event);
      if (!tenantId && !options.public) throw new UnauthorizedError();
      if (!options.public && options.roles) {
        const role = roleOf(event);
        if (!options.roles.includes(role)) {
          throw new ForbiddenError(`An API key with the role '${role.slice(0, 32)}' may not do this.`);
        }
      }
      const result = await run({
        event,
        tenantId: tenantId ?? '',
        ...(tenantId && keyIdOf(event) ? { keyId: keyIdOf(event) as string } : {}),
        pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        body: parseBody(event),
      });
      if (result.rawBody !== undefined) {
        return {
          statusCode: result.status,
          headers: { ...COMMON_HEADERS, ...result.headers, ...cors },
          body: result.rawBody,
        };
      }
      return {
        statusCode: result.status,
        headers: { ...JSON_HEADERS, ...result.headers, ...cors },
        body: result.body === undefined ? '' : JSON.stringify(result.body),
      };
    } catch (error) {
      const mapped = toErrorResponse(error);
      if (mapped.status >= 500) {
        logger.error('request failed', { path: event.path, method: event.httpMethod, error: error as Error });
      }
      const headers: Record<string, string> = { ...JSON_HEADERS, ...cors };
      if (mapped.retryAfterSeconds !== undefined) headers['retry-after'] = String(mapped.retryAfterSeconds);
      const envelope = {
        error: {
          code: mapped.code,
          message: mapped.message,
          ...(mapped.details.length > 0 ? { details: mapped.details } : {}),
        },
      };
      return { statusCode: mapped.status, headers, body: JSON.stringify(envelope) };
    }
  };
}
