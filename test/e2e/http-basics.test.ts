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

  it('lists the catalog with aliases and price versions', async () => {
    const res = await call<{
      items: { modelId: string; provider: string; prices: { inputPerMTokUsd: number }[] }[];
    }>(api, 'GET', '/models', { key: 'key-aaaaaaaa' });
    expect(res.status).toBe(200);
    const sonnet = res.body.items.find((m) => m.modelId === 'anthropic.claude-3-5-sonnet-20240620-v1:0');
    expect(sonnet?.prices[0]?.inputPerMTokUsd).toBe(3);
    expect(new Set(res.body.items.map((m) => m.provider))).toEqual(
      new Set([
        'amazon',
        'anthropic',
        'deepseek',
        'google',
        'meta',
        'mistral',
        'nvidia',
        'openai',
        'qwen',
        'writer',
      ]),
    );
  });

  it('prices 1,000 input + 500 output tokens on Claude 3.5 Sonnet at 0.0105 USD', async () => {
    const res = await call<{
      totals: { llmCostUsd: number; totalUsd: number };
      alternatives: { savingsUsd: number }[];
    }>(api, 'POST', '/estimate', {
      key: 'key-aaaaaaaa',
      body: {
        modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
        days: 1,
        operations: [{ name: 'review', inputTokens: 1000, outputTokens: 500, perDay: 1 }],
        compareModels: ['anthropic.claude-3-haiku-20240307-v1:0'],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.totals).toMatchObject({ llmCostUsd: 0.0105, totalUsd: 0.0105 });
    expect(res.body.alternatives[0]?.savingsUsd).toBe(0.009625);
  });

  it('names each bad field of an estimate and answers 422 for an unknown model', async () => {
    const bad = await call<{ error: { code: string; details: { path: string }[] } }>(
      api,
      'POST',
      '/estimate',
      {
        key: 'key-aaaaaaaa',
        body: {
          modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
          days: 0,
          operations: [{ name: '', inputTokens: -1 }],
        },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path).sort()).toEqual(
      [
        'days',
        'operations.0.inputTokens',
        'operations.0.name',
        'operations.0.outputTokens',
        'operations.0.perDay',
      ].sort(),
    );
    const unknown = await call<{ error: { code: string; message: string } }>(api, 'POST', '/estimate', {
      key: 'key-aaaaaaaa',
      body: { modelId: 'gpt-4o', operations: [{ name: 'x', inputTokens: 1, outputTokens: 1, perDay: 1 }] },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('UNKNOWN_MODEL');
    expect(unknown.body.error.message).toContain('/models');
  });
});
