import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Analytics, ApiError, api, type Breach, enc, type TenantUser } from '../api';
import { Chart } from '../chart';
import { count, daySeconds, daysAgo, isoDay, percent, sumUsd, usd, when } from '../format';
import type { Route } from '../router';
import { Empty, ErrorBox, Loading, Section, Stat } from '../ui';

/** Every user of the period (all pages), by spend descending, and the open breaches of the tenant. */
interface OverviewData {
  users: TenantUser[];
  /** More users than the overview reads (it stops after {@link MAX_USER_PAGES} pages). */
  usersTruncated: boolean;
  openBreaches: Breach[];
  breachesTruncated: boolean;
  /** Analytics of the top users, for the daily trend and the spend by model. */
  top: { userId: string; analytics: Analytics | null; error: ApiError | null }[];
  unpriced: { modelId: string; events: number }[] | null;
}

/** Users whose analytics feed the trend and the spend by model. */
const TOP_USERS = 10;
const PAGE = 500;
const MAX_USER_PAGES = 20;
const MAX_BREACH_PAGES = 4;

async function allPages<T>(path: string, maxPages: number): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const answer: { items: T[]; nextCursor: string | null } = await api(
      'GET',
      `${path}${cursor ? `${sep}cursor=${enc(cursor)}` : ''}`,
    );
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) return { items, truncated: false };
  }
  return { items, truncated: true };
}

async function topAnalytics(userId: string, from: string, to: string): Promise<OverviewData['top'][number]> {
  try {
    const analytics = await api<Analytics>('GET', `/analytics/${enc(userId)}?from=${from}&to=${to}`);
    return { userId, analytics, error: null };
  } catch (error) {
    return {
      userId,
      analytics: null,
      error: error instanceof ApiError ? error : new ApiError(0, 'CLIENT', String(error)),
    };
  }
}

async function loadOverview(from: string, to: string): Promise<OverviewData> {
  const [users, breaches, unpriced] = await Promise.all([
    allPages<TenantUser>(`/users?from=${from}&to=${to}&limit=${PAGE}`, MAX_USER_PAGES),
    allPages<Breach>(`/breaches?status=open&limit=${PAGE}`, MAX_BREACH_PAGES),
    api<{ items: { modelId: string; events: number }[] }>('GET', '/unpriced').catch(() => null),
  ]);
  const top = await Promise.all(users.items.slice(0, TOP_USERS).map((u) => topAnalytics(u.userId, from, to)));
  return {
    users: users.items,
    usersTruncated: users.truncated,
    openBreaches: breaches.items,
    breachesTruncated: breaches.truncated,
    top,
    unpriced: unpriced?.items ?? null,
  };
}

function setQuery(from: string, to: string): void {
  const q = new URLSearchParams();
  q.set('from', from);
  q.set('to', to);
  window.location.hash = `#/overview?${q.toString()}`;
}

export function OverviewPage({ route }: { route: Route }) {
  const from = route.query.get('from') ?? daysAgo(29);
  const to = route.query.get('to') ?? isoDay(new Date());
  const [data, setData] = useState<OverviewData | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [period, setPeriod] = useState({ from, to });
  const key = `${from}|${to}`;
  useEffect(() => {
    let live = true;
    setData(null);
    setError(null);
    loadOverview(from, to).then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e))),
    );
    return () => {
      live = false;
    };
  }, [key]);

  return (
    <>
      <h1>Overview</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(period.from, period.to);
        }}
      >
        <label for="ov-from">From (UTC day)</label>
        <input
          id="ov-from"
          type="date"
          value={period.from}
          onInput={(e) => setPeriod({ ...period, from: (e.target as HTMLInputElement).value })}
        />
        <label for="ov-to">To (UTC day)</label>
        <input
          id="ov-to"
          type="date"
          value={period.to}
          onInput={(e) => setPeriod({ ...period, to: (e.target as HTMLInputElement).value })}
        />
        <button type="submit">Show period</button>
      </form>
      {error && <ErrorBox error={error} what="load the overview" />}
      {!error && !data && <Loading what="the overview" />}
      {data && <OverviewBody data={data} from={from} to={to} />}
    </>
  );
}

function OverviewBody({ data, from, to }: { data: OverviewData; from: string; to: string }) {
  const analysed = useMemo(() => data.top.filter((r) => r.analytics), [data]);
  const total = sumUsd(data.users.map((u) => u.costUsd));
  const requests = data.users.reduce((n, u) => n + u.requests, 0);
  const topShare = useMemo(() => {
    const topTotal = sumUsd(data.top.map((r) => r.analytics?.totals.costUsd ?? 0));
    return total > 0 ? topTotal / total : 1;
  }, [data, total]);
  /** The trend and the models cover every user, or only the top ones (said so in their titles). */
  const partial = data.users.length > TOP_USERS;
  const scope = partial ? ` (top ${TOP_USERS} users, ${percent(topShare)} of the spend)` : '';
  const trend = useMemo(() => {
    const byDay = new Map<string, number[]>();
    for (const r of analysed)
      for (const d of r.analytics?.daily ?? []) byDay.set(d.date, [...(byDay.get(d.date) ?? []), d.costUsd]);
    const days = [...byDay.keys()].sort();
    return { x: days.map(daySeconds), y: days.map((d) => sumUsd(byDay.get(d) ?? [])) };
  }, [analysed]);
  const byModel = useMemo(() => {
    const m = new Map<string, { cost: number[]; requests: number }>();
    for (const r of analysed)
      for (const b of r.analytics?.byModel ?? []) {
        const e = m.get(b.modelId) ?? { cost: [], requests: 0 };
        e.cost.push(b.costUsd);
        e.requests += b.requests;
        m.set(b.modelId, e);
      }
    return [...m]
      .map(([modelId, e]) => ({ modelId, costUsd: sumUsd(e.cost), requests: e.requests }))
      .sort((a, b) => b.costUsd - a.costUsd);
  }, [analysed]);
  const top = data.users.slice(0, TOP_USERS);
  const controlled = data.users.filter((u) => u.controlLevel !== null);
  const breachCount = `${count(data.openBreaches.length)}${data.breachesTruncated ? '+' : ''}`;

  return (
    <>
      {data.usersTruncated && (
        <p class="note" role="note">
          The tenant has more than {count(data.users.length)} users in this period; the totals cover the{' '}
          {count(data.users.length)} that spent most.
        </p>
      )}
      <div class="stats">
        <Stat label={`Total spend ${from} – ${to} (UTC)`} value={usd(total)} testId="overview-total" />
        <Stat label="Requests" value={count(requests)} testId="overview-requests" />
        <Stat label="Users with usage" value={count(data.users.length)} testId="overview-users" />
        <Stat label="Open breaches" value={breachCount} testId="overview-open-breaches" />
        <Stat
          label="Users under cost control"
          value={count(controlled.length)}
          testId="overview-controlled"
        />
      </div>
      <Section title={`Spend per day${scope}`} id="ov-trend">
        {trend.x.length === 0 ? (
          <Empty>No spend in this period.</Empty>
        ) : (
          <Chart
            x={trend.x}
            series={[{ label: 'Spend', values: trend.y, color: '#1f5fbf' }]}
            label={`Spend per day from ${from} to ${to}${scope}, days in UTC`}
            yLabel="USD per day"
          />
        )}
        {data.top
          .filter((r) => r.error)
          .map((r) => (
            <ErrorBox key={r.userId} error={r.error as ApiError} what={`load the usage of ${r.userId}`} />
          ))}
      </Section>
      <div class="grid">
        <Section title="Top users" id="ov-top">
          {top.length === 0 ? (
            <Empty>No usage in this period.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col" class="num">
                    Spend
                  </th>
                  <th scope="col" class="num">
                    Requests
                  </th>
                  <th scope="col">Control</th>
                  <th scope="col" class="num">
                    Open breaches
                  </th>
                </tr>
              </thead>
              <tbody>
                {top.map((u) => (
                  <tr key={u.userId}>
                    <td>
                      <a href={`#/users/${enc(u.userId)}`}>{u.userId}</a>
                    </td>
                    <td class="num" data-testid={`top-${u.userId}`}>
                      {usd(u.costUsd)}
                    </td>
                    <td class="num">{count(u.requests)}</td>
                    <td>
                      {u.controlLevel === null ? (
                        '—'
                      ) : (
                        <span class={`badge level-${u.controlLevel}`}>{u.controlLevel}</span>
                      )}
                    </td>
                    <td class="num">{count(u.openBreaches)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title={`Spend by model${scope}`} id="ov-models">
          {byModel.length === 0 ? (
            <Empty>No model was used in this period.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" class="num">
                    Spend
                  </th>
                  <th scope="col" class="num">
                    Requests
                  </th>
                </tr>
              </thead>
              <tbody>
                {byModel.map((m) => (
                  <tr key={m.modelId}>
                    <td>
                      <code>{m.modelId}</code>
                    </td>
                    <td class="num">{usd(m.costUsd)}</td>
                    <td class="num">{count(m.requests)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>
      <div class="grid">
        <Section title="Open breaches" id="ov-breaches">
          {data.openBreaches.length === 0 ? (
            <Empty>No open breaches.</Empty>
          ) : (
            <ul class="plain">
              {data.openBreaches.map((b) => (
                <li key={b.breachId} data-testid={`open-${b.breachId}`}>
                  <span class={`badge ${b.level}`}>{b.level}</span>{' '}
                  <a href={`#/users/${enc(b.userId)}?breach=${enc(b.breachId)}`}>{b.userId}</a>:{' '}
                  {usd(b.spendUsd)} of {usd(b.limitUsd)}, detected {when(b.detectedAt)}
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Cost control" id="ov-control">
          {controlled.length === 0 ? (
            <Empty>No user with usage in this period is under cost control.</Empty>
          ) : (
            <ul class="plain">
              {controlled.map((u) => (
                <li key={u.userId}>
                  <a href={`#/users/${enc(u.userId)}`}>{u.userId}</a>:{' '}
                  <span class={`badge level-${u.controlLevel}`}>{u.controlLevel}</span> level,{' '}
                  {usd(u.costUsd)} spent in the period
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      {data.unpriced && data.unpriced.length > 0 && (
        <Section title="Unpriced usage" id="ov-unpriced">
          <ul class="plain">
            {data.unpriced.map((u) => (
              <li key={u.modelId}>
                <code>{u.modelId}</code>: {count(u.events)} events without a price
              </li>
            ))}
          </ul>
        </Section>
      )}
    </>
  );
}
