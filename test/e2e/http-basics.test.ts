import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime } from '../support/runtime.js';

let runtime: LocalRuntime;
let api: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = runtime.apiBase;
});
afterAll(async () => {
  await runtime.close();
});

describe('local runtime over HTTP', () => {
  it('answers /health without a key', async () => {
    const res = await call(api, 'GET', '/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('rejects a missing or unknown key with 401 and the error envelope', async () => {
    for (const key of [null, 'not-a-key', 'local-dev-key']) {
      const res = await call<{ error: { code: string } }>(api, 'GET', '/models', { key });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('answers 404 for an unknown route and 405 for a wrong method', async () => {
    expect((await call(api, 'GET', '/nope', { key: 'key-aaaaaaaa' })).status).toBe(404);
    expect((await call(api, 'DELETE', '/models', { key: 'key-aaaaaaaa' })).status).toBe(405);
  });

  it('serves the OpenAPI document to a key holder', async () => {
    const res = await call<{ openapi: string; paths: Record<string, unknown> }>(api, 'GET', '/openapi.json', {
      key: 'key-bbbbbbbb',
    });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toContain('/estimate');
  });

  it('rejects malformed JSON with 400 VALIDATION_ERROR', async () => {
    const res = await call<{ error: { code: string; details: { path: string }[] } }>(
      api,
      'POST',
      '/estimate',
      {
        key: 'key-aaaaaaaa',
        rawBody: '{"modelId": ',
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('rejects a body over 256 KiB with 413', async () => {
    const res = await call<{ error: { code: string } }>(api, 'POST', '/estimate', {
      key: 'key-aaaaaaaa',
      rawBody: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
