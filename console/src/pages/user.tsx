import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  type Analytics,
  api,
  type Breach,
  type ControlAction,
  type ControlStatus,
  enc,
  type Projection,
  type Recommendation,
  type Threshold,
} from '../api';
import { Chart, type ChartSeries } from '../chart';
import { count, daySeconds, daysAgo, isoDay, percent, usd, when } from '../format';
import { Empty, ErrorBox, type Load, Loaded, Section, Stat, UserPicker, useAction, useApi } from '../ui';

const LEVELS = ['normal', 'light', 'moderate', 'severe', 'shutdown'];
const THRESHOLD_COLORS = ['#b3261e', '#8a4b00', '#6b2fa0'];

function daysInPeriod(period: Threshold['period'], at: Date): number {
  if (period === 'daily') return 1;
  if (period === 'weekly') return 7;
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
}

function SpendChart({
  analytics,
  projection,
  thresholds,
}: {
  analytics: Analytics;
  projection: Projection | null;
  thresholds: Threshold[];
}) {
  const chart = useMemo(() => {
    const actual = new Map(analytics.daily.map((d) => [d.date, d.costUsd]));
    const forecast = new Map((projection?.daily ?? []).map((d) => [d.date, d]));
    const days = [...new Set([...actual.keys(), ...forecast.keys()])].sort();
    const series: ChartSeries[] = [
      {
        label: 'Spend',
        values: days.map((d) => actual.get(d) ?? (forecast.has(d) ? null : 0)),
        color: '#1f5fbf',
      },
    ];
    if (projection) {
      series.push(
        {
          label: 'Forecast',
          values: days.map((d) => forecast.get(d)?.expectedUsd ?? null),
          color: '#2e7d32',
          dash: [6, 4],
        },
        {
          label: 'Forecast upper',
          values: days.map((d) => forecast.get(d)?.upperUsd ?? null),
          color: '#2e7d32',
          width: 1,
          bandTo: 3,
        },
        {
          label: 'Forecast lower',
          values: days.map((d) => forecast.get(d)?.lowerUsd ?? null),
          color: '#2e7d32',
          width: 1,
        },
      );
    }
    const now = new Date();
    thresholds
      .filter((t) => t.enabled && t.type !== 'percentage')
      .slice(0, 3)
      .forEach((t, i) => {
        const perDay = t.limitUsd / daysInPeriod(t.period, now);
        series.push({
          label:
            t.period === 'daily'
              ? `${t.name} (daily limit)`
              : `${t.name} (${t.period} limit as a daily pace)`,
          values: days.map(() => perDay),
          color: THRESHOLD_COLORS[i] ?? '#b3261e',
          dash: [2, 3],
          width: 1.5,
        });
      });
    return { x: days.map(daySeconds), series };
  }, [analytics, projection, thresholds]);
  if (chart.x.length === 0) return <Empty>No spend yet.</Empty>;
  return (
    <Chart
      x={chart.x}
      series={chart.series}
      yLabel="USD per day"
      label={`Daily spend of ${analytics.userId} with the forecast band and threshold lines, days in UTC`}
    />
  );
}

function ByTable({
  title,
  rows,
}: {
  title: string;
  rows: { name: string; requests: number; costUsd: number }[];
}) {
  if (rows.length === 0) return <Empty>No usage in this period.</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{title}</th>
          <th scope="col" class="num">
            Requests
          </th>
          <th scope="col" class="num">
            Spend
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <td>
              <code>{r.name}</code>
            </td>
            <td class="num">{count(r.requests)}</td>
            <td class="num">{usd(r.costUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The user's breaches; `linked` (from an alert's link, `#/users/{u}?breach={id}`) is highlighted,
 * scrolled to and focused once the list is on screen, and named above the table.
 */
function Breaches({ userId, linked }: { userId: string; linked: string | null }) {
  const [load, reload] = useApi<{ items: Breach[] }>(`/breaches/${enc(userId)}`);
  const action = useAction();
  const row = useRef<HTMLTableRowElement>(null);
  const shown = load.state === 'ok';
  useEffect(() => {
    if (!shown || !row.current) return;
    row.current.scrollIntoView({ block: 'center' });
    row.current.focus();
  }, [shown, linked]);
  return (
    <Section title="Breaches" id="u-breaches">
      {action.error && <ErrorBox error={action.error} what="acknowledge the breach" />}
      <Loaded load={load} what="breaches">
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No breaches.</Empty>
          ) : (
            <>
              {linked && (
                <p class="note" data-testid="linked-breach">
                  {items.some((b) => b.breachId === linked)
                    ? 'The breach of the alert you followed is highlighted below.'
                    : `The breach ${linked} of the alert you followed is not one of ${userId}'s.`}
                </p>
              )}
              <table>
                <thead>
                  <tr>
                    <th scope="col">Level</th>
                    <th scope="col">Status</th>
                    <th scope="col">Period</th>
                    <th scope="col" class="num">
                      Spend / limit
                    </th>
                    <th scope="col">Detected</th>
                    <th scope="col">Action</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((b) => (
                    <tr
                      key={b.breachId}
                      data-testid={`breach-${b.breachId}`}
                      {...(b.breachId === linked
                        ? { ref: row, class: 'linked', tabIndex: -1, 'aria-current': 'true' as const }
                        : {})}
                    >
                      <td>
                        <span class={`badge ${b.level}`}>{b.level}</span>
                      </td>
                      <td data-testid="breach-status">{b.status}</td>
                      <td>{b.periodKey}</td>
                      <td class="num">
                        {usd(b.spendUsd)} / {usd(b.limitUsd)}
                      </td>
                      <td>{when(b.detectedAt)}</td>
                      <td>
                        {b.status === 'open' ? (
                          <button
                            type="button"
                            disabled={action.busy}
                            onClick={async () => {
                              if (
                                await action.run(() =>
                                  api('POST', `/breaches/${enc(b.breachId)}/acknowledge`),
                                )
                              )
                                reload();
                            }}
                          >
                            Acknowledge
                          </button>
                        ) : (
                          <span class="muted">
                            {b.acknowledgedAt ? `acknowledged ${when(b.acknowledgedAt)}` : '—'}
                          </span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </Loaded>
    </Section>
  );
}

function ReverseForm({ actionId, onDone }: { actionId: string; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const action = useAction();
  const id = `reason-${actionId}`;
  return (
    <form
      class="inline"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await action.run(() => api('POST', `/auto-control/reverse/${enc(actionId)}`, { reason })))
          onDone();
      }}
    >
      <label for={id}>Reason for reversing</label>
      <input
        id={id}
        value={reason}
        required
        onInput={(e) => setReason((e.target as HTMLInputElement).value)}
      />
      <button type="submit" disabled={action.busy}>
        Reverse
      </button>
      {action.error && <ErrorBox error={action.error} what="reverse the action" />}
    </form>
  );
}

function Control({ userId }: { userId: string }) {
  const [status, reloadStatus] = useApi<ControlStatus>(`/auto-control/status/${enc(userId)}`);
  const [history, reloadHistory] = useApi<{ items: ControlAction[] }>(`/auto-control/actions/${enc(userId)}`);
  const reload = () => {
    reloadStatus();
    reloadHistory();
  };
  if (status.state === 'error' && status.error.status === 404) {
    return (
      <Section title="Cost control" id="u-control">
        <Empty>No cost control is configured for this user.</Empty>
      </Section>
    );
  }
  return (
    <Section title="Cost control" id="u-control">
      <Loaded load={status} what="the control status">
        {(s) => (
          <>
            <p>
              Level <strong data-testid="control-level">{s.level}</strong> · {usd(s.spendUsd)} of{' '}
              {usd(s.budgetUsd)} ({s.percentUsed.toFixed(1)} %) in the {s.period} period {s.periodKey} (UTC),
              ending {when(s.periodEnd)}
            </p>
            <ol class="ladder" aria-label="Control ladder">
              {LEVELS.map((level) => (
                <li
                  key={level}
                  class={level === s.level ? 'current' : ''}
                  aria-current={level === s.level ? 'step' : undefined}
                >
                  {level}
                </li>
              ))}
            </ol>
            <h3>Active actions</h3>
            {s.activeActions.length === 0 ? (
              <Empty>No action is active.</Empty>
            ) : (
              <ul class="plain">
                {s.activeActions.map((a) => (
                  <li key={a.actionId} data-testid={`active-${a.action}`}>
                    <strong>{a.action}</strong> since {when(a.appliedAt)}: {a.reason}
                    {a.reversible && <ReverseForm actionId={a.actionId} onDone={reload} />}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Loaded>
      <h3>Audit history</h3>
      <Loaded load={history} what="the audit history">
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No control actions yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Level</th>
                  <th scope="col">Who</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.actionId}>
                    <td>{when(a.at)}</td>
                    <td>
                      {a.type} {a.action ?? ''}
                    </td>
                    <td>
                      {a.before.level} → {a.after.level}
                    </td>
                    <td>{a.actor}</td>
                    <td>{a.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </Section>
  );
}

function okOrNull<T>(load: Load<T>): T | null {
  return load.state === 'ok' ? load.data : null;
}

export function UserPage({ userId, breach = null }: { userId: string; breach?: string | null }) {
  const from = daysAgo(29);
  const to = isoDay(new Date());
  const path = (p: string) => (userId ? p : null);
  const [analytics] = useApi<Analytics>(path(`/analytics/${enc(userId)}?from=${from}&to=${to}`));
  const [projection] = useApi<Projection>(path(`/projections/${enc(userId)}?horizonDays=30`));
  const [thresholds] = useApi<{ items: Threshold[] }>(path(`/thresholds/${enc(userId)}`));
  const [recommendations] = useApi<{ items: Recommendation[] }>(path(`/recommendations/${enc(userId)}`));
  if (!userId) {
    return (
      <>
        <h1>User</h1>
        <UserPicker initial="" label="User id" target={(id) => `#/users/${enc(id)}`} />
      </>
    );
  }
  const p = okOrNull(projection);
  return (
    <>
      <h1>
        User <span data-testid="user-id">{userId}</span>
      </h1>
      <UserPicker initial={userId} label="Another user id" target={(id) => `#/users/${enc(id)}`} />
      <p>
        <a href={`#/thresholds/${enc(userId)}`}>Thresholds and contacts of {userId}</a>
      </p>
      <Loaded load={analytics} what="analytics">
        {(a) => (
          <>
            <div class="stats">
              <Stat
                label={`Spend ${a.from} – ${a.to} (UTC)`}
                value={usd(a.totals.costUsd)}
                testId="user-total"
              />
              <Stat label="Requests" value={count(a.totals.requests)} testId="user-requests" />
              <Stat label="Cache hit rate" value={percent(a.cacheHitRate)} testId="user-cache-hit" />
              <Stat
                label="Pattern"
                value={`${a.pattern.type.replace('_', ' ')} (${percent(a.pattern.confidence, 0)} confidence)`}
                testId="user-pattern"
              />
              {p && (
                <Stat
                  label={`Projected ${p.period.kind} end (${p.period.timezone})`}
                  value={usd(p.projectedPeriodEndUsd)}
                  testId="user-projected"
                />
              )}
            </div>
            <Section title="Daily spend and forecast" id="u-chart">
              {projection.state === 'error' && <ErrorBox error={projection.error} what="load the forecast" />}
              <SpendChart analytics={a} projection={p} thresholds={okOrNull(thresholds)?.items ?? []} />
              {p && (
                <p class="note">
                  Forecast by {p.method}, {percent(p.confidence, 0)} confidence; band from{' '}
                  {usd(p.projectedPeriodEndLowerUsd)} to {usd(p.projectedPeriodEndUpperUsd)} at the end of the
                  period ({when(p.period.start)} – {when(p.period.end)}; the period runs in{' '}
                  {p.period.timezone}).
                </p>
              )}
            </Section>
            <div class="grid">
              <Section title="Spend by model" id="u-models">
                <ByTable title="Model" rows={a.byModel.map((m) => ({ ...m, name: m.modelId }))} />
              </Section>
              <Section title="Spend by operation" id="u-ops">
                <ByTable title="Operation" rows={a.byOperation.map((o) => ({ ...o, name: o.operation }))} />
              </Section>
            </div>
          </>
        )}
      </Loaded>
      <Section title="Recommendations" id="u-recs">
        <Loaded load={recommendations} what="recommendations">
          {({ items }) =>
            items.length === 0 ? (
              <Empty>No recommendations: nothing to optimise in the last 30 days.</Empty>
            ) : (
              <ul class="plain">
                {items.map((r) => (
                  <li key={r.type + r.title}>
                    <strong>{r.title}</strong> — saves about{' '}
                    <span class="money">{usd(r.estimatedMonthlySavingsUsd)}</span> a month (
                    {percent(r.confidence, 0)} confidence). {r.description}
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </Section>
      <Breaches userId={userId} linked={breach} />
      <Control userId={userId} />
    </>
  );
}
