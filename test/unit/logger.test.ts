import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger, redactForLog } from '../../lambdas/platform/logger.js';

let lines: string[];

beforeEach(() => {
  lines = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  logger.setLogLevel('DEBUG');
});

afterEach(() => {
  logger.setLogLevel('SILENT');
  vi.restoreAllMocks();
});

describe('the service logger', () => {
  it('redacts personal data and web addresses in every string of a line, errors included', () => {
    const error = Object.assign(
      new Error('rejected owner@example.com via https://hooks.example.net/T01/abc'),
      {
        Item: { phone: '+4915112345678', iban: 'DE89 3704 0044 0532 0130 00' },
      },
    );
    logger.error('delivery to owner@example.com failed', {
      card: '4111 1111 1111 1111',
      nested: { contacts: ['+49 30 1234567', 'lead@example.org'] },
      error,
    });
    const text = lines.join('');
    const line = JSON.parse(text) as Record<string, unknown>;
    expect(line.message).toBe('delivery to [email] failed');
    expect(line.card).toBe('[card]');
    expect(line.nested).toEqual({ contacts: ['[phone]', '[email]'] });
    expect(line.error).toMatchObject({
      message: 'rejected [email] via [url]',
      Item: { phone: '[phone]', iban: '[iban]' },
    });
    for (const secret of [
      'owner@example.com',
      'hooks.example.net',
      '4915112345678',
      'DE89',
      '4111',
      'lead@',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('leaves ids, timestamps, ARNs and counts as they are', () => {
    const fields = {
      requestId: 'req-01712345678',
      breachId: '550e8400-e29b-41d4-a716-446655440000',
      at: '2026-11-23T10:00:00.000Z',
      arn: 'arn:aws:lambda:eu-central-1:012345678901:function:usage-api',
      tokens: '10000000',
    };
    logger.info('ok', fields);
    expect(JSON.parse(lines.join(''))).toMatchObject({ message: 'ok', ...fields });
  });

  it('redactForLog replaces web addresses before the personal data checks', () => {
    expect(redactForLog('POST http://127.0.0.1:9/hook?to=+4915112345678 failed')).toBe('POST [url] failed');
    expect(redactForLog('plain text')).toBe('plain text');
  });
});
