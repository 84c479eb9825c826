import { createHmac } from 'node:crypto';
import { type PeriodKind, periodOf } from '@cost-management/core';
import { describe, expect, it } from 'vitest';
import { maskContact } from '../../lambdas/shared/logger.js';
import { noticeHtml, noticeSubject, noticeText } from '../../lambdas/shared/notify/alert-message.js';
import {
  assertSafeTarget,
  isNonPublicAddress,
  webhookSignature,
} from '../../lambdas/shared/notify/webhook-sender.js';
import type { Breach } from '../../lambdas/shared/stores/alerting-store.js';
import { shardOf } from '../../lambdas/shared/stores/dynamo-alerting-store.js';
import {
  spendItemKey,
  ThresholdCache,
  thresholdReactor,
} from '../../lambdas/shared/use-cases/detect-breaches.js';
import { spendBetween } from '../../lambdas/shared/use-cases/sweep.js';
import { baseAggregates } from '../../lambdas/shared/use-cases/track-usage.js';

describe('webhook signature', () => {
  it('is v1=<hex HMAC-SHA256 of "{timestamp}.{body}">', () => {
    const expected = createHmac('sha256', 'secret-secret-123').update('1700000000.{"a":1}').digest('hex');
    expect(webhookSignature('secret-secret-123', 1_700_000_000, '{"a":1}')).toBe(`v1=${expected}`);
  });
});

describe('SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
  ])('treats %s as non-public', (ip) => {
    expect(isNonPublicAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111'])('treats %s as public', (ip) => {
    expect(isNonPublicAddress(ip)).toBe(false);
  });

  it('deployed mode: https only, and no host resolving to a private address', async () => {
    const publicDns = async () => ['93.184.216.34'];
    const rebinding = async () => ['93.184.216.34', '10.0.0.5'];
    await expect(assertSafeTarget('https://hooks.example.com/x', false, publicDns)).resolves.toBe(
      '93.184.216.34',
    );
    await expect(assertSafeTarget('http://hooks.example.com/x', false, publicDns)).rejects.toThrow(/https/);
    await expect(assertSafeTarget('https://hooks.example.com/x', false, rebinding)).rejects.toThrow(
      /non-public/,
    );
    await expect(assertSafeTarget('https://127.0.0.1/x', false, publicDns)).rejects.toThrow(/non-public/);
    await expect(assertSafeTarget('https://[::1]/x', false, publicDns)).rejects.toThrow(/non-public/);
  });

  it('local mode allows loopback over http', async () => {
    await expect(assertSafeTarget('http://127.0.0.1:9/x', true)).resolves.toBeUndefined();
    await expect(assertSafeTarget('ftp://127.0.0.1/x', true)).rejects.toThrow();
  });
});

describe('spendBetween (percentage thresholds at day granularity)', () => {
  const days = new Map([
    ['2026-11-01', 1000],
    ['2026-11-02', 2400],
  ]);
  it('adds whole days and a partial day pro rata', () => {
    expect(spendBetween(days, '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z')).toBe(1000);
    expect(spendBetween(days, '2026-11-01T00:00:00.000Z', '2026-11-02T06:00:00.000Z')).toBe(1600);
    expect(spendBetween(days, '2026-11-01T12:00:00.000Z', '2026-11-01T18:00:00.000Z')).toBe(250);
    expect(spendBetween(days, '2026-11-03T00:00:00.000Z', '2026-11-04T00:00:00.000Z')).toBe(0);
  });
});

describe('notice content', () => {
  const breach: Breach = {
    tenantId: 't',
    breachId: 'th1.2026-11.critical',
    thresholdId: 'th1',
    thresholdName: 'monthly <cap>',
    thresholdType: 'absolute',
    userId: 'alice',
    level: 'critical',
    status: 'open',
    periodKey: '2026-11',
    periodStart: '2026-11-01T00:00:00.000Z',
    periodEnd: '2026-12-01T00:00:00.000Z',
    timezone: 'UTC',
    spendNano: 101_500_000_000,
    limitNano: 100_000_000_000,
    channels: ['email'],
    detectedAt: '2026-11-23T10:00:00.000Z',
    notifications: [],
    delivery: 'pending',
  };
  it('names level, user, spend and limit in the subject', () => {
    expect(noticeSubject(breach, 'breach')).toBe(
      '[Cost alert] Critical: alice spent $101.50 of $100.00 (monthly <cap>, 2026-11)',
    );
    expect(noticeSubject(breach, 'resolution')).toMatch(/^\[Cost alert\] Resolved: alice/);
    expect(noticeSubject(breach, 'escalation')).toMatch(/^\[Cost alert\] Escalation: Critical/);
  });
  it('has an escaped HTML body with a bar chart and a text body', () => {
    const days = [
      { date: '2026-11-01', costNano: 50_000_000_000 },
      { date: '2026-11-02', costNano: 51_500_000_000 },
    ];
    const html = noticeHtml(breach, 'breach', days);
    expect(html).toContain('monthly &lt;cap&gt;');
    expect(html).not.toContain('monthly <cap>');
    expect(html.match(/<tr>/g)).toHaveLength(2);
    expect(noticeText(breach, 'breach', days)).toContain('2026-11-02  $51.50');
  });
});

describe('helpers', () => {
  it('masks contacts', () => {
    expect(maskContact('owner@example.com')).toBe('o***@example.com');
    expect(maskContact('+4915112345678')).toBe('+49*******5678');
  });
  it('shards stably', () => {
    expect(shardOf('abc', 8)).toBe(shardOf('abc', 8));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`id-${i}`, 8)));
    expect(seen.size).toBe(8);
  });
  it('caches thresholds per user for the TTL and forgets on demand', async () => {
    let reads = 0;
    let clock = 0;
    const store = {
      listByUser: async () => {
        reads++;
        return [];
      },
    } as unknown as ConstructorParameters<typeof ThresholdCache>[0];
    const cache = new ThresholdCache(store, 30_000, () => clock);
    await cache.get('t', 'u');
    await cache.get('t', 'u');
    expect(reads).toBe(1);
    clock = 30_001;
    await cache.get('t', 'u');
    expect(reads).toBe(2);
    cache.forget('t', 'u');
    await cache.get('t', 'u');
    expect(reads).toBe(3);
  });
});

describe('spendItemKey', () => {
  it('names an aggregate every event adds to, for UTC days, ISO weeks and months (2024-2027)', () => {
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 43_200_000) {
      const timestamp = new Date(ms).toISOString();
      const written = new Set(
        baseAggregates({ timestamp, modelId: 'm' } as Parameters<typeof baseAggregates>[0]).map((a) => a.sk),
      );
      for (const kind of ['daily', 'weekly', 'monthly'] as PeriodKind[]) {
        expect(written.has(spendItemKey('t', 'u', periodOf(kind, timestamp, 'UTC')).sk)).toBe(true);
      }
    }
  });
});

describe('thresholdReactor', () => {
  it('never throws: a failing read leaves the recorded events acknowledged', async () => {
    const threshold = {
      thresholdId: 'th',
      userId: 'u',
      type: 'absolute',
      period: 'monthly',
      timezone: 'UTC',
      enabled: true,
    };
    const cache = { get: async () => [threshold] } as unknown as ThresholdCache;
    const react = thresholdReactor({
      cache,
      spend: {
        costs: async () => {
          throw new Error('DynamoDB down');
        },
      },
      breaches: {} as never,
      publisher: { publish: async () => undefined },
    });
    await expect(
      react('t', [{ userId: 'u' } as Parameters<typeof react>[1][number]], new Date()),
    ).resolves.toBeUndefined();
  });
});
