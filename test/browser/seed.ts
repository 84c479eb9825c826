import { call } from '../support/http.js';

export const SONNET = 'anthropic.claude-3-7-sonnet-20250219-v1:0';
export const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

async function ok(
  res: Promise<{ status: number; text: string; body: unknown }>,
  what: string,
): Promise<void> {
  const r = await res;
  const refused = ((r.body as { results?: { status: number }[] }).results ?? []).some((e) => e.status >= 300);
  if (r.status >= 300 || refused) throw new Error(`${what}: ${r.status} ${r.text}`);
}

/**
 * A tenant with two users: alice has a threshold she is over, cost control with a budget she is
 * past, contacts, and usage on two models and three operations over the last days; bob has a
 * little usage.
 */
export async function seedTenant(apiBase: string, key: string): Promise<void> {
  const post = (path: string, body: unknown) => call(apiBase, 'POST', path, { key, body });
  await ok(
    post('/thresholds', {
      userId: 'alice',
      name: 'monthly cap',
      type: 'absolute',
      period: 'monthly',
      limitUsd: 0.02,
      channels: ['email'],
    }),
    'threshold',
  );
  await ok(
    call(apiBase, 'PUT', '/alerting/alice', { key, body: { email: 'owner@example.com' } }),
    'contacts',
  );
  const now = Date.now();
  const events: unknown[] = [];
  const ops = ['code-review', 'summarise', 'chat'];
  for (let day = 9; day >= 0; day--) {
    for (let i = 0; i < 3; i++) {
      const at = new Date(now - day * 86_400_000 - (i + 1) * 60_000);
      events.push({
        requestId: `alice-${day}-${i}`,
        userId: 'alice',
        modelId: i === 2 ? HAIKU : SONNET,
        inputTokens: 1000 + day * 137 + i * 11,
        outputTokens: 400 + day * 53 + i * 7,
        cacheReadInputTokens: i === 0 ? 2000 : 0,
        timestamp: at.toISOString(),
        operation: ops[i],
      });
    }
    events.push({
      requestId: `bob-${day}`,
      userId: 'bob',
      modelId: HAIKU,
      inputTokens: 300 + day,
      outputTokens: 100 + day,
      timestamp: new Date(now - day * 86_400_000 - 30_000).toISOString(),
      operation: 'chat',
    });
  }
  // Cost control starts before today's usage, which takes alice past her budget.
  const today = events.filter((e) => /^(alice-0-\d|bob-0)$/.test((e as { requestId: string }).requestId));
  const before = events.filter((e) => !today.includes(e));
  for (let i = 0; i < before.length; i += 25) {
    await ok(post('/track-usage/batch', { events: before.slice(i, i + 25) }), 'usage');
  }
  await ok(post('/auto-control/init', { userId: 'alice', budgetUsd: 0.25, period: 'monthly' }), 'control');
  await ok(post('/track-usage/batch', { events: today }), 'usage');
}
