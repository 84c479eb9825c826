import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE_PATH } from '@cost-management/contract';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { identityForKey, type Keyring } from '../lambdas/platform/api-keys.js';
import { toErrorResponse } from '../lambdas/platform/error-map.js';
import { RateLimitedError } from '../lambdas/platform/errors.js';
import { MAX_BODY_BYTES } from '../lambdas/platform/http.js';
import { toProxyEvent } from './proxy-event.js';
import type { TenantRateLimiter } from './tenant-rate-limiter.js';

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface LocalRoute {
  method: string;
  /** Full template, e.g. `/api/cost-management/analytics/{userId}`. */
  template: string;
  auth: boolean;
  handler: ProxyHandler;
}

interface CompiledRoute extends LocalRoute {
  pattern: RegExp;
  names: string[];
}

function compile(route: LocalRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.template
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] ?? '');
      return '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}/?$`), names };
}

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** A 429 in the error envelope, through the one error map, with its Retry-After. */
function sendRateLimited(res: ServerResponse, retryAfterSeconds: number): void {
  const mapped = toErrorResponse(new RateLimitedError(retryAfterSeconds));
  sendError(res, mapped.status, mapped.code, mapped.message, {
    'retry-after': String(mapped.retryAfterSeconds ?? retryAfterSeconds),
  });
}

export interface LocalHttpServerOptions {
  /**
   * Each tenant's request rate, checked once the key is known and before the body is read: a
   * request over its tenant's limit is answered 429 and reaches no handler. Routes without a key
   * (`/health`, `/_local/*`, the console) are never counted. Unset: no limit.
   */
  rateLimiter?: TenantRateLimiter;
}

/** Reads the body up to `limit` bytes; returns null when it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/**
 * Serves Lambda proxy handlers over plain HTTP the way API Gateway does: it authenticates
 * the x-api-key (the authorizer's job in AWS), applies the tenant's rate limit (the usage plan's),
 * matches the route template, and turns the request into a proxy event.
 */
export function createLocalHttpServer(
  routes: LocalRoute[],
  keyring: Keyring,
  options: LocalHttpServerOptions = {},
): Server {
  const compiled = routes.map(compile);
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = (req.method ?? 'GET').toUpperCase();
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        return sendError(res, 400, 'VALIDATION_ERROR', 'The path is not valid percent-encoding.');
      }
      let matched: { route: CompiledRoute; params: Record<string, string> } | undefined;
      let pathKnown = false;
      for (const route of compiled) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        pathKnown = true;
        if (route.method !== method) continue;
        const params: Record<string, string> = {};
        try {
          route.names.forEach((name, i) => {
            params[name] = decodeURIComponent(m[i + 1] ?? '');
          });
        } catch {
          return sendError(res, 400, 'VALIDATION_ERROR', 'A path parameter is not valid percent-encoding.');
        }
        matched = { route, params };
        break;
      }
      if (!matched) {
        return pathKnown
          ? sendError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}.`)
          : sendError(res, 404, 'NOT_FOUND', `No route ${method} ${path}.`);
      }
      const headers = headersOf(req);
      let tenantId: string | null = null;
      let role: string | null = null;
      let keyId: string | null = null;
      if (matched.route.auth) {
        const identity = identityForKey(keyring, headers['x-api-key']);
        tenantId = identity?.tenantId ?? null;
        role = identity?.role ?? null;
        keyId = identity?.keyId ?? null;
        if (!tenantId) {
          return sendError(
            res,
            401,
            'UNAUTHORIZED',
            'Missing or unknown API key: send a valid key in the x-api-key header.',
          );
        }
        const verdict = options.rateLimiter?.take(tenantId);
        if (verdict && !verdict.allowed) return sendRateLimited(res, verdict.retryAfterSeconds);
      }
      const body = await readBody(req, MAX_BODY_BYTES + 1024);
      if (body === null) {
        return sendError(
          res,
          413,
          'PAYLOAD_TOO_LARGE',
          `The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`,
        );
      }
      const event = toProxyEvent({
        method,
        path,
        resource: matched.route.template,
        pathParameters: matched.route.names.length > 0 ? matched.params : null,
        query: url.searchParams,
        headers,
        body: body === '' ? null : body,
        tenantId,
        role,
        keyId,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        now: new Date(),
      });
      const result = await matched.route.handler(event);
      const outHeaders: Record<string, string | number | boolean> = { ...(result.headers ?? {}) };
      res.writeHead(result.statusCode, outHeaders as Record<string, string>);
      res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    } catch {
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'Internal error.');
      else res.end();
    }
  });
}

export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve(`http://${host}:${address.port}`);
    });
  });
}

export function baseTemplate(path: string): string {
  return `${BASE_PATH}${path}`;
}
