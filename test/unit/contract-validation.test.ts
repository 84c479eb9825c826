import { AlertingConfigRequest, ExportQuery, TrackUsageRequest } from '@cost-management/contract';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../lambdas/platform/error-map.js';

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the parse to fail');
}

describe('contract validation', () => {
  it('answers a bad body with a 400 naming each bad field in English', () => {
    const error = errorOf(() =>
      TrackUsageRequest.parse({
        requestId: 'r 1',
        userId: 'u',
        modelId: 'm',
        inputTokens: -1,
        outputTokens: 1.5,
        extra: 1,
      }),
    );
    expect(toErrorResponse(error)).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
      message: 'The request is invalid; see details.',
      details: [
        { path: 'requestId', message: 'may contain only letters, digits and . _ : @ -' },
        { path: 'inputTokens', message: 'Too small: expected number to be >=0' },
        { path: 'outputTokens', message: 'Invalid input: expected int, received number' },
        { path: 'extra', message: 'unknown field' },
      ],
    });
  });

  it('reports a cross-field rule on the field it names', () => {
    const error = errorOf(() => AlertingConfigRequest.parse({ webhookUrl: 'https://example.com/hook' }));
    expect(toErrorResponse(error).details).toEqual([
      { path: 'webhookSecret', message: 'is required with webhookUrl' },
    ]);
  });

  it('fills defaults and coerces query strings', () => {
    expect(
      TrackUsageRequest.parse({ requestId: 'r', userId: 'u', modelId: 'm', inputTokens: 1, outputTokens: 2 }),
    ).toEqual({
      requestId: 'r',
      userId: 'u',
      modelId: 'm',
      inputTokens: 1,
      outputTokens: 2,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
    });
    expect(ExportQuery.parse({ limit: '50' })).toEqual({ format: 'json', limit: 50 });
  });

  it('keeps full zod out of the function bundles', () => {
    for (const fn of ['usage-api', 'alerting-api', 'control-api', 'authorizer']) {
      const { metafile } = buildSync({
        entryPoints: [`lambdas/functions/${fn}-handler.ts`],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'esm',
        mainFields: ['module', 'main'],
        logLevel: 'silent',
      });
      const zodModules = Object.keys(metafile.inputs).filter((p) => p.includes('node_modules/zod/'));
      expect(zodModules.length, fn).toBeGreaterThan(0);
      expect(
        zodModules.filter((p) => p.includes('/v4/classic/')),
        fn,
      ).toEqual([]);
    }
  });
});
