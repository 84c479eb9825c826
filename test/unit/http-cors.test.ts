import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_ORIGIN_ENV, consoleOrigin, httpHandler, json } from '../../lambdas/platform/http.js';

const CONSOLE = 'https://d111111abcdef8.cloudfront.net';

function event(headers: Record<string, string>, tenantId: string | null = 'acme'): APIGatewayProxyEvent {
  return {
    headers,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'r', ...(tenantId ? { authorizer: { tenantId, role: 'viewer' } } : {}) },
  } as unknown as APIGatewayProxyEvent;
}

const ok = () => httpHandler(async () => json(200, { ok: true }), { roles: ['admin', 'viewer'] });

afterEach(() => {
  delete process.env[CONSOLE_ORIGIN_ENV];
});

describe('CORS for the console origin in the HTTP envelope', () => {
  it('lets the configured console origin read answers, errors included, and no other origin', async () => {
    process.env[CONSOLE_ORIGIN_ENV] = CONSOLE;
    const handler = ok();
    const allowed = await handler(event({ Origin: CONSOLE }));
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': CONSOLE,
      'access-control-expose-headers': 'retry-after, x-next-cursor',
      vary: 'Origin',
    });
    const other = await handler(event({ origin: 'https://evil.example.com' }));
    expect(other.statusCode).toBe(200);
    expect(other.headers?.['access-control-allow-origin']).toBeUndefined();
    expect(other.headers?.vary).toBe('Origin');
    const none = await handler(event({}));
    expect(none.headers?.['access-control-allow-origin']).toBeUndefined();
    // An error answer (no tenant: 401) is readable by the console too, so it can show the message.
    const unauthorized = await handler(event({ origin: CONSOLE }, null));
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.headers?.['access-control-allow-origin']).toBe(CONSOLE);
    // An origin that only starts like the console's is another origin.
    const lookalike = await handler(event({ origin: `${CONSOLE}.evil.example.com` }));
    expect(lookalike.headers?.['access-control-allow-origin']).toBeUndefined();
  });

  it('sends no CORS header at all without a configured origin (same origin locally)', async () => {
    const res = await ok()(event({ origin: CONSOLE }));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['access-control-allow-origin']).toBeUndefined();
    expect(res.headers?.vary).toBeUndefined();
  });

  it('refuses a configured value that is not an origin, at cold start', () => {
    for (const bad of [`${CONSOLE}/`, `${CONSOLE}/console`, 'd111.cloudfront.net', 'ftp://host', '*']) {
      expect(() => consoleOrigin({ [CONSOLE_ORIGIN_ENV]: bad }), bad).toThrow(/must be an origin/);
    }
    expect(consoleOrigin({ [CONSOLE_ORIGIN_ENV]: 'http://127.0.0.1:3000' })).toBe('http://127.0.0.1:3000');
    expect(consoleOrigin({})).toBeUndefined();
  });
});
