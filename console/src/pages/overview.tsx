import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Analytics, ApiError, api, type Breach, type ControlStatus, enc, type TenantUser } from '../api';
import { Chart } from '../chart';
import { count, daySeconds, daysAgo, isoDay, sumUsd, usd, when } from '../format';
import type { Route } from '../router';
import { Empty, ErrorBox, Loading, Section, Stat } from '../ui';

interface UserRow {
  userId: string;
  analytics: Analytics | null;
  control: ControlStatus | null;
  openBreaches: Breach[];
  error: ApiError | null;
}

interface OverviewData {
  /** Whether the tenant-wide reads answered (else the typed list was used). */
  tenantUsers: TenantUser[] | null;
  tenantBreaches: Breach[] | null;
  rows: UserRow[];
  unpriced: { modelId: string; events: number }[] | null;
}

const TOP_USERS = 10;

async function orNull<T>(promise: Promise<T>, allow404 = true): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (allow404 && error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

async function userRow(userId: string, from: string, to: string): Promise<UserRow> {
  try {
    const [analytics, control, breaches] = await Promise.all([
      api<Analytics>('GET', `/analytics/${enc(userId)}?from=${from}&to=${to}`),
      orNull(api<ControlStatus>('GET', `/auto-control/status/${enc(userId)}`)),
      api<{ items: Breach[] }>('GET', `/breaches/${enc(userId)}?status=open`),
    ]);
    return { userId, analytics, control, openBreaches: breaches.items, error: null };
  } catch (error) {
    return {
      userId,
      analytics: null,
      control: null,
      openBreaches: [],
      error: error instanceof ApiError ? error : new ApiError(0, 'CLIENT', String(error)),
    };
  }
}

async function loadOverview(typed: string[], from: string, to: string): Promise<OverviewData> {
  const [users, breaches, unpriced] = await Promise.all([
    orNull(api<{ items: TenantUser[] }>('GET', `/users?from=${from}&to=${to}&limit=50`)),
    orNull(api<{ items: Breach[] }>('GET', '/breaches?status=open')),
    orNull(api<{ items: { modelId: string; events: number }[] }>('GET', '/unpriced')).catch(() => null),
  ]);
  const ids = users ? users.items.slice(0, TOP_USERS).map((u) => u.userId) : typed;
  const rows = await Promise.all(ids.map((id) => userRow(id, from, to)));
  return {
    tenantUsers: users?.items ?? null,
    tenantBreaches: breaches?.items ?? null,
    rows,
    unpriced: unpriced?.items ?? null,
  };
}

function typedUsers(route: Route): string[] {
  return (route.query.get('users') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
}

function setQuery(users: string[], from: string, to: string): void {
  const q = new URLSearchParams();
  if (users.length > 0) q.set('users', users.join(','));
  q.set('from', from);
  q.set('to', to);
  window.location.hash = `#/overview?${q.toString()}`;
}

export function OverviewPage({ route }: { route: Route }) {
  const users = typedUsers(route);
  const from = route.query.get('from') ?? daysAgo(29);
  const to = route.query.get('to') ?? isoDay(new Date());
  const [data, setData] = useState<OverviewData | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [adding, setAdding] = useState('');
  const [period, setPeriod] = useState({ from, to });
  const key = `${users.join(',')}|${from}|${to}`;
  useEffect(() => {
    let live = true;
    setData(null);
    setError(null);
    loadOverview(users, from, to).then(
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
          setQuery(users, period.from, period.to);
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
      {data && (
        <OverviewBody data={data} users={users} from={from} to={to} adding={adding} setAdding={setAdding} />
      )}
    </>
  );
}

function OverviewBody({
  data,
  users,
  from,
  to,
  adding,
  setAdding,
}: {
  data: OverviewData;
  users: string[];
  from: string;
  to: string;
  adding: string;
  setAdding: (v: string) => void;
}) {
  const rows = useMemo(() => data.rows.filter((r) => r.analytics), [data]);
  const total = data.tenantUsers
    ? sumUsd(data.tenantUsers.map((u) => u.costUsd))
    : sumUsd(rows.map((r) => r.analytics?.totals.costUsd ?? 0));
  const requests = data.tenantUsers
    ? data.tenantUsers.reduce((n, u) => n + u.requests, 0)
    : rows.reduce((n, r) => n + (r.analytics?.totals.requests ?? 0), 0);
  const trend = useMemo(() => {
    const byDay = new Map<string, number[]>();
    for (const r of rows)
      for (const d of r.analytics?.daily ?? []) byDay.set(d.date, [...(byDay.get(d.date) ?? []), d.costUsd]);
    const days = [...byDay.keys()].sort();
    return { x: days.map(daySeconds), y: days.map((d) => sumUsd(byDay.get(d) ?? [])) };
  }, [rows]);
  const byModel = useMemo(() => {
    const m = new Map<string, { cost: number[]; requests: number }>();
    for (const r of rows)
      for (const b of r.analytics?.byModel ?? []) {
        const e = m.get(b.modelId) ?? { cost: [], requests: 0 };
        e.cost.push(b.costUsd);
        e.requests += b.requests;
        m.set(b.modelId, e);
      }
    return [...m]
      .map(([modelId, e]) => ({ modelId, costUsd: sumUsd(e.cost), requests: e.requests }))
      .sort((a, b) => b.costUsd - a.costUsd);
  }, [rows]);
  const top = data.tenantUsers
    ? data.tenantUsers.map((u) => ({ userId: u.userId, costUsd: u.costUsd, requests: u.requests }))
    : rows
        .map((r) => ({
          userId: r.userId,
          costUsd: r.analytics?.totals.costUsd ?? 0,
          requests: r.analytics?.totals.requests ?? 0,
        }))
        .sort((a, b) => b.costUsd - a.costUsd);
  const breaches = data.tenantBreaches ?? data.rows.flatMap((r) => r.openBreaches);
  const controlled = data.rows.filter((r) => r.control);

  return (
    <>
      {data.tenantUsers === null && (
        <Section title="Users" id="ov-users">
          <p class="note" role="note">
            This API does not list the tenant’s users yet (<code>GET /users</code> is not available), so the
            overview shows the users you list here. The list is kept in this page’s link.
          </p>
          <form
            class="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              const id = adding.trim();
              if (id && !users.includes(id)) setQuery([...users, id], from, to);
              setAdding('');
            }}
          >
            <label for="ov-add">User id</label>
            <input
              id="ov-add"
              value={adding}
              autocomplete="off"
              onInput={(e) => setAdding((e.target as HTMLInputElement).value)}
            />
            <button type="submit">Add user</button>
          </form>
          {users.length === 0 ? (
            <Empty>No users listed yet: add a user id to see its spend.</Empty>
          ) : (
            <ul class="chips" aria-label="Listed users">
              {users.map((u) => (
                <li key={u}>
                  <a href={`#/users/${enc(u)}`}>{u}</a>
                  <button
                    type="button"
                    class="link"
                    aria-label={`Remove ${u}`}
                    onClick={() =>
                      setQuery(
                        users.filter((x) => x !== u),
                        from,
                        to,
                      )
                    }
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          {data.rows
            .filter((r) => r.error)
            .map((r) => (
              <ErrorBox key={r.userId} error={r.error as ApiError} what={`load ${r.userId}`} />
            ))}
        </Section>
      )}
      <div class="stats">
        <Stat label={`Total spend ${from} – ${to} (UTC)`} value={usd(total)} testId="overview-total" />
        <Stat label="Requests" value={count(requests)} testId="overview-requests" />
        <Stat label="Open breaches" value={count(breaches.length)} testId="overview-open-breaches" />
        <Stat label="Users under cost control" value={count(controlled.length)} />
      </div>
      <Section title="Spend per day" id="ov-trend">
        {trend.x.length === 0 ? (
          <Empty>No spend in this period.</Empty>
        ) : (
          <Chart
            x={trend.x}
            series={[{ label: 'Spend', values: trend.y, color: '#1f5fbf' }]}
            label={`Total spend per day from ${from} to ${to}, days in UTC`}
            yLabel="USD per day"
          />
        )}
      </Section>
      <div class="grid">
        <Section title="Top users" id="ov-top">
          {top.length === 0 ? (
            <Empty>No users to show.</Empty>
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
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title="Spend by model" id="ov-models">
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
          {data.tenantBreaches === null && users.length > 0 && (
            <p class="note">Across the listed users (the tenant-wide list is not available yet).</p>
          )}
          {breaches.length === 0 ? (
            <Empty>No open breaches.</Empty>
          ) : (
            <ul class="plain">
              {breaches.map((b) => (
                <li key={b.breachId}>
                  <span class={`badge ${b.level}`}>{b.level}</span>{' '}
                  <a href={`#/users/${enc(b.userId)}`}>{b.userId}</a>: {usd(b.spendUsd)} of {usd(b.limitUsd)},
                  detected {when(b.detectedAt)}
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Cost control" id="ov-control">
          {controlled.length === 0 ? (
            <Empty>No listed user is under cost control.</Empty>
          ) : (
            <ul class="plain">
              {controlled.map((r) => (
                <li key={r.userId}>
                  <a href={`#/users/${enc(r.userId)}`}>{r.userId}</a>:{' '}
                  <span class={`badge level-${r.control?.level}`}>{r.control?.level}</span>{' '}
                  {usd(r.control?.spendUsd)} of {usd(r.control?.budgetUsd)}
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
