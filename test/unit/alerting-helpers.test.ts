import { createHmac } from 'node:crypto';
import { ValidationError } from '@cost-management/core';
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../lambdas/alerting/adapters/item-keys.js';
import {
  assertSafeTarget,
  isNonPublicAddress,
  webhookSignature,
} from '../../lambdas/alerting/adapters/webhook-sender.js';
import type {
  AlertingConfig,
  Breach,
  BreachUpdate,
  Threshold,
} from '../../lambdas/alerting/ports/alerting-store.js';
import {
  breachLink,
  type NoticeKind,
  noticeHtml,
  noticeSubject,
  noticeText,
  noticeWebhookBody,
} from '../../lambdas/alerting/use-cases/alert-message.js';
import { ThresholdCache, thresholdReactor } from '../../lambdas/alerting/use-cases/detect-breaches.js';
import { putAlertingConfig } from '../../lambdas/alerting/use-cases/manage-contacts.js';
import {
  type NotifyDeps,
  notifyBreach,
  scrubDeliveryError,
} from '../../lambdas/alerting/use-cases/notify-breach.js';
import { runSweep, type SweepDeps, spendBetween } from '../../lambdas/alerting/use-cases/sweep.js';
import { maskContact } from '../../lambdas/platform/logger.js';
import { breachFixture, thresholdFixture } from '../support/alerting-fixtures.js';

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
    // IPv4 written as IPv6: the URL parser turns [::ffff:127.0.0.1] into ::ffff:7f00:1.
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '::7f00:1',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::1',
    'ff02::1',
  ])('treats %s as non-public', (ip) => {
    expect(isNonPublicAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'treats %s as public',
    (ip) => {
      expect(isNonPublicAddress(ip)).toBe(false);
    },
  );

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
    await expect(assertSafeTarget('https://[::ffff:127.0.0.1]/x', false, publicDns)).rejects.toThrow(
      /non-public/,
    );
    await expect(assertSafeTarget('https://[::ffff:169.254.169.254]/x', false, publicDns)).rejects.toThrow(
      /non-public/,
    );
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
  it('prorates large amounts exactly, in integers', () => {
    // 876,695.67 USD over 65,809,505 of 86,400,000 ms: 667,765.143349620 USD (a float product is 1 nano off).
    const big = new Map([['2026-11-01', 876_695_674_665_950]]);
    expect(spendBetween(big, '2026-11-01T00:00:00.000Z', '2026-11-01T18:16:49.505Z')).toBe(
      667_765_143_349_620,
    );
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
  it('links to the breach in the console when a console URL is configured, and only then', () => {
    const link = breachLink('https://console.example.org/#/overview', { ...breach, userId: 'a@b:c' });
    expect(link).toBe('https://console.example.org/#/users/a%40b%3Ac?breach=th1.2026-11.critical');
    const html = noticeHtml(breach, 'breach', [], link);
    expect(html).toContain(`<a href="${link}">Open the breach in the cost console</a>`);
    expect(noticeText(breach, 'resolution', [], link)).toContain(`Open in the console: ${link}`);
    const body = JSON.parse(noticeWebhookBody(breach, 'breach', '2026-11-23T10:00:01Z', link)) as {
      breach: { consoleUrl: string | null };
    };
    expect(body.breach.consoleUrl).toBe(link);
    expect(noticeHtml(breach, 'breach', [])).not.toContain('<a ');
    expect(noticeText(breach, 'breach', [])).not.toContain('console');
    const bare = JSON.parse(noticeWebhookBody(breach, 'breach', '2026-11-23T10:00:01Z')) as {
      breach: { consoleUrl: string | null };
    };
    expect(bare.breach.consoleUrl).toBeNull();
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

describe('thresholdReactor on the hot path', () => {
  it('stops reading period totals once every level of the period has its breach', async () => {
    const threshold = {
      thresholdId: 'th',
      userId: 'u',
      name: 'cap',
      type: 'absolute',
      period: 'monthly',
      limitNano: 1_000_000_000,
      warningPercent: 80,
      emergencyPercent: 150,
      changePercent: 50,
      timezone: 'UTC',
      channels: ['email'],
      enabled: true,
    };
    let reads = 0;
    const created: string[] = [];
    const react = thresholdReactor({
      cache: { get: async () => [threshold] } as unknown as ThresholdCache,
      spend: {
        costs: async (keys) => {
          reads++;
          return keys.map(() => 2_000_000_000);
        },
      },
      breaches: {
        createIfAbsent: async (b: Breach) => {
          created.push(b.level);
          return true;
        },
      } as never,
      publisher: { publish: async () => undefined },
      known: new Set(),
    });
    const recorded = [{ userId: 'u' } as Parameters<typeof react>[1][number]];
    const now = new Date('2026-11-23T10:00:00Z');
    await react('t', recorded, now);
    expect(created).toEqual(['warning', 'critical', 'emergency']);
    await react('t', recorded, now);
    await react('t', recorded, now);
    expect(reads).toBe(1);
    // A new period reads again.
    await react('t', recorded, new Date('2026-12-01T00:00:01Z'));
    expect(reads).toBe(2);
  });
});

describe('runSweep when a threshold cannot be evaluated', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const threshold = (type: Threshold['type'], warningPercent = 80): Threshold =>
    thresholdFixture({ thresholdId: `th-${type}`, type, warningPercent });
  const openBreach = (t: Threshold): Breach =>
    breachFixture({ thresholdId: t.thresholdId, thresholdName: t.name, thresholdType: t.type });

  async function sweepWith(t: Threshold, readDays: () => Promise<never>) {
    const updates: BreachUpdate[] = [];
    const notices: NoticeKind[] = [];
    const deps: SweepDeps = {
      thresholds: { shards: 1, listEnabled: async () => [{ tenantId: 't', threshold: t }] } as never,
      breaches: {
        shards: 1,
        listActive: async () => [openBreach(t)],
        createIfAbsent: async () => false,
        update: async (_t: string, _id: string, update: BreachUpdate) => {
          updates.push(update);
          return { ...openBreach(t), ...update };
        },
      } as never,
      spend: { costs: async (items) => items.map(() => 0) },
      aggregates: { readDays },
      alerting: { get: async () => undefined, put: async () => undefined },
      publisher: { publish: async () => undefined },
      notify: async (_t, _id, kind) => notices.push(kind),
      redeliverAfterMs: 120_000,
    };
    return { summary: await runSweep(deps, now), updates, notices };
  }

  it('a failed history read neither aborts the sweep nor resolves the breach', async () => {
    const { summary, updates, notices } = await sweepWith(threshold('forecast'), async () => {
      throw new Error('DynamoDB down');
    });
    expect(summary.failures).toBe(1);
    expect(updates).toEqual([]);
    expect(notices).toEqual([]);
  });

  it('a failed evaluation does not resolve the breach', async () => {
    const { summary, updates, notices } = await sweepWith(threshold('absolute', 120), async () => {
      throw new Error('not read for absolute thresholds');
    });
    expect(summary.failures).toBe(1);
    expect(updates).toEqual([]);
    expect(notices).toEqual([]);
  });
});

describe('runSweep while a zone period total is pending', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const berlin = (type: Threshold['type'], periodTotals: Threshold['periodTotals']): Threshold =>
    thresholdFixture({
      thresholdId: `th-${type}`,
      type,
      timezone: 'Europe/Berlin',
      createdAt: '2026-11-23T09:00:00.000Z',
      updatedAt: '2026-11-23T09:00:00.000Z',
      periodTotals,
      backfillBefore: '2026-11-23T09:00:00.000Z',
    });
  const warning = (t: Threshold): Breach =>
    breachFixture({
      thresholdId: t.thresholdId,
      thresholdType: t.type,
      periodStart: '2026-10-31T23:00:00.000Z',
      periodEnd: '2026-11-30T23:00:00.000Z',
      timezone: 'Europe/Berlin',
      detectedAt: '2026-11-23T09:30:00.000Z',
    });

  async function sweep(t: Threshold, spendNano: number) {
    const updates: BreachUpdate[] = [];
    const created: Breach[] = [];
    const published: { detailType: string; detail: unknown }[] = [];
    let historyReads = 0;
    const deps: SweepDeps = {
      thresholds: { shards: 1, listEnabled: async () => [{ tenantId: 't', threshold: t }] } as never,
      breaches: {
        shards: 1,
        listActive: async () => [warning(t)],
        createIfAbsent: async (b: Breach) => {
          created.push(b);
          return true;
        },
        update: async (_t: string, _id: string, update: BreachUpdate) => {
          updates.push(update);
          return { ...warning(t), ...update };
        },
      } as never,
      spend: { costs: async (items) => items.map(() => spendNano) },
      aggregates: {
        readDays: async () => {
          historyReads++;
          return { days: [] } as never;
        },
      },
      alerting: { get: async () => undefined, put: async () => undefined },
      publisher: { publish: async (events) => void published.push(...events) },
      notify: async () => undefined,
      redeliverAfterMs: 120_000,
    };
    const summary = await runSweep(deps, now);
    return { summary, updates, created, published, historyReads };
  }

  it('resolves nothing on a pending total, and asks for the stalled backfill again', async () => {
    const { summary, updates, published } = await sweep(berlin('absolute', 'pending'), 0);
    expect(updates).toEqual([]);
    expect(summary.backfillsRequested).toBe(1);
    expect(published).toEqual([
      {
        detailType: 'ThresholdBackfillRequested',
        detail: { tenantId: 't', thresholdId: 'th-absolute', backfillBefore: '2026-11-23T09:00:00.000Z' },
      },
    ]);
  });

  it('opens an absolute level the partial total already reaches', async () => {
    const { created } = await sweep(berlin('absolute', 'pending'), 1_100_000_000);
    expect(created.map((b) => b.level)).toEqual(['critical']);
  });

  it('does not evaluate a pending forecast threshold at all', async () => {
    const { summary, updates, created, historyReads } = await sweep(
      berlin('forecast', 'pending'),
      5_000_000_000,
    );
    expect([updates, created, summary.failures]).toEqual([[], [], 0]);
    expect(historyReads).toBe(0);
  });

  it('once complete, the breach under the level is resolved and nothing is asked again', async () => {
    const { summary, updates, published } = await sweep(berlin('absolute', 'complete'), 0);
    expect(updates.map((u) => u.status)).toEqual(['resolved']);
    expect([summary.backfillsRequested, published]).toEqual([0, []]);
  });
});

describe('notifyBreach', () => {
  const breach: Breach = {
    tenantId: 't',
    breachId: 'th.2026-11.critical',
    thresholdId: 'th',
    thresholdName: 'cap',
    thresholdType: 'absolute',
    userId: 'u',
    level: 'critical',
    status: 'open',
    periodKey: '2026-11',
    periodStart: '2026-11-01T00:00:00.000Z',
    periodEnd: '2026-12-01T00:00:00.000Z',
    timezone: 'UTC',
    spendNano: 1_000_000_000,
    limitNano: 1_000_000_000,
    channels: ['email'],
    detectedAt: '2026-11-23T09:00:00.000Z',
    notifications: [{ channel: 'email', status: 'pending', attempts: 0 }],
    delivery: 'pending',
  };
  function deps(stored: Breach, email: (to: string) => Promise<void>, claimable = true) {
    const updates: BreachUpdate[] = [];
    const dead: Record<string, unknown>[] = [];
    const notify: NotifyDeps = {
      breaches: {
        get: async () => stored,
        update: async (_t: string, _id: string, update: BreachUpdate) => {
          updates.push(update);
          return { ...stored, ...update };
        },
        claimChannel: async () => true,
        recordChannel: async (
          _t: string,
          _id: string,
          _l: unknown,
          _i: number,
          _k: string,
          result: unknown,
        ) => {
          updates.push({ recorded: result } as never);
          return stored;
        },
        appendChannel: async () => true,
        claimEscalation: async () => claimable,
      } as never,
      alerting: {
        get: async () => ({
          userId: 'u',
          email: 'owner@example.com',
          escalation: { afterMinutes: 1, email: 'lead@example.com' },
        }),
        put: async () => undefined,
      },
      aggregates: { readDays: async () => ({ days: [] }) as never },
      email: { send: (m) => email(m.to) },
      sms: { send: async () => undefined },
      webhook: { send: async () => undefined },
      deadLetter: { send: async (entry) => void dead.push(entry) },
      retry: { attempts: 2, baseDelayMs: 0 },
    };
    return { notify, updates, dead };
  }

  it('does not escalate a breach acknowledged or escalated since the sweep listed it', async () => {
    const sent: string[] = [];
    for (const stored of [
      { ...breach, status: 'acknowledged' as const },
      { ...breach, escalatedAt: '2026-11-23T09:30:00.000Z' },
    ]) {
      const { notify, updates } = deps(stored, async (to) => void sent.push(to));
      expect(await notifyBreach(notify, 't', breach.breachId, 'escalation', new Date())).toEqual([]);
      expect(updates).toEqual([]);
    }
    expect(sent).toEqual([]);
    const { notify } = deps(breach, async (to) => void sent.push(to));
    await notifyBreach(notify, 't', breach.breachId, 'escalation', new Date());
    expect(sent).toEqual(['lead@example.com']);
  });

  it('does not escalate while another sender holds the escalation', async () => {
    const sent: string[] = [];
    const { notify, updates } = deps(breach, async (to) => void sent.push(to), false);
    expect(await notifyBreach(notify, 't', breach.breachId, 'escalation', new Date())).toEqual([]);
    expect([sent, updates]).toEqual([[], []]);
  });

  it('keeps contacts out of the recorded error and the dead letter', async () => {
    const { notify, updates, dead } = deps(breach, async (to) => {
      throw new Error(`Email address is not verified. The following identities failed the check: ${to}`);
    });
    const [result] = await notifyBreach(notify, 't', breach.breachId, 'breach', new Date());
    expect(result).toMatchObject({ channel: 'email', status: 'failed', attempts: 2 });
    expect(result?.error).toBe(
      'Email address is not verified. The following identities failed the check: [email]',
    );
    expect(JSON.stringify([result, updates, dead])).not.toContain('example.com');
  });

  it('scrubs the contact out of any provider error, in every spelling', () => {
    const contacts = {
      email: 'owner@example.com',
      phone: '+4915112345678',
      webhookUrl: 'https://hooks.example.net:8443/cost/T0123?token=abc',
    };
    expect(scrubDeliveryError('getaddrinfo ENOTFOUND hooks.example.net', contacts)).toBe(
      'getaddrinfo ENOTFOUND [webhook]',
    );
    expect(scrubDeliveryError('connect ECONNREFUSED hooks.example.net:8443', contacts)).toBe(
      'connect ECONNREFUSED [webhook]',
    );
    expect(
      scrubDeliveryError('POST https://hooks.example.net:8443/cost/T0123?token=abc failed', contacts),
    ).toBe('POST [webhook] failed');
    expect(scrubDeliveryError('Invalid parameter: PhoneNumber +4915112345678', contacts)).toBe(
      'Invalid parameter: PhoneNumber [phone]',
    );
    expect(scrubDeliveryError('redirected to https://other.example.org/x', {})).toBe('redirected to [url]');
    expect(scrubDeliveryError('rejected lead@example.org and +4930123456', {})).toBe(
      'rejected [email] and [phone]',
    );
    expect(scrubDeliveryError('webhook answered 500', { webhookUrl: 'not a url' })).toBe(
      'webhook answered 500',
    );
  });
});

describe('putAlertingConfig', () => {
  const store = () => {
    const puts: AlertingConfig[] = [];
    return {
      puts,
      alerting: {
        get: async () => undefined,
        put: async (_t: string, c: AlertingConfig) => void puts.push(c),
      },
    };
  };
  const input = { webhookUrl: 'http://hooks.example.com/cost', webhookSecret: 'at-least-16-chars' };

  it('rejects a non-https webhook in deployed mode with a 400 naming the field, storing nothing', async () => {
    const { puts, alerting } = store();
    const put = putAlertingConfig({ alerting, allowHttpWebhooks: false }, 't', 'u', input, new Date());
    await expect(put).rejects.toBeInstanceOf(ValidationError);
    await expect(put).rejects.toMatchObject({ details: [{ path: 'webhookUrl' }] });
    expect(puts).toEqual([]);
  });

  it('accepts https in any case of the scheme, and http where the local runtime allows it', async () => {
    const { puts, alerting } = store();
    const https = { ...input, webhookUrl: 'HTTPS://hooks.example.com/cost' };
    await putAlertingConfig({ alerting, allowHttpWebhooks: false }, 't', 'u', https, new Date());
    await putAlertingConfig({ alerting, allowHttpWebhooks: true }, 't', 'u', input, new Date());
    expect(puts).toHaveLength(2);
    expect(puts.every((c) => c.webhookSecret === 'at-least-16-chars')).toBe(true);
  });
});
