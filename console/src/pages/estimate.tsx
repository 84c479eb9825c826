import { useMemo, useState } from 'preact/hooks';
import { type ApiError, api, type Estimate, type Model } from '../api';
import { Chart } from '../chart';
import { count, usd } from '../format';
import { Empty, ErrorBox, Loaded, Section, Stat, useAction, useApi } from '../ui';

interface OperationDraft {
  name: string;
  inputTokens: string;
  outputTokens: string;
  perDay: string;
}

const num = (v: string): number | string => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

function BreakEvenChart({
  estimate,
  upfront,
  monthly,
}: {
  estimate: Estimate;
  upfront: number;
  monthly: number;
}) {
  const chart = useMemo(() => {
    const months = Math.max(12, Math.min(60, Math.ceil((estimate.selfHosted?.breakEvenMonths ?? 12) * 1.5)));
    const x = Array.from({ length: months + 1 }, (_, i) => i);
    const cloudMonthly = estimate.totals.totalUsd * (30 / estimate.days);
    return {
      x,
      series: [
        { label: 'Cloud (cumulative)', values: x.map((m) => cloudMonthly * m), color: '#1f5fbf' },
        {
          label: 'Self-hosted (cumulative)',
          values: x.map((m) => upfront + monthly * m),
          color: '#b3261e',
          dash: [6, 4],
        },
      ],
    };
  }, [estimate, upfront, monthly]);
  return (
    <Chart
      x={chart.x}
      series={chart.series}
      time={false}
      xLabel="Months"
      yLabel="USD, cumulative"
      label="Cumulative cost of the cloud scenario against self-hosting, by month"
    />
  );
}

export function EstimatePage() {
  const [models] = useApi<{ items: Model[] }>('/models');
  const [modelId, setModelId] = useState('');
  const [days, setDays] = useState('30');
  const [ops, setOps] = useState<OperationDraft[]>([
    { name: 'code-review', inputTokens: '8000', outputTokens: '2000', perDay: '20' },
  ]);
  const [compare, setCompare] = useState<string[]>([]);
  const [lineItem, setLineItem] = useState({ name: '', monthlyUsd: '' });
  const [selfHosted, setSelfHosted] = useState({ upfrontUsd: '', monthlyUsd: '' });
  const [result, setResult] = useState<Estimate | null>(null);
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      modelId,
      days: num(days),
      operations: ops.map((o) => ({
        name: o.name,
        inputTokens: num(o.inputTokens),
        outputTokens: num(o.outputTokens),
        perDay: num(o.perDay),
      })),
      compareModels: compare,
    };
    if (lineItem.name || lineItem.monthlyUsd)
      body.lineItems = [{ name: lineItem.name, monthlyUsd: num(lineItem.monthlyUsd) }];
    if (selfHosted.upfrontUsd || selfHosted.monthlyUsd)
      body.selfHosted = { upfrontUsd: num(selfHosted.upfrontUsd), monthlyUsd: num(selfHosted.monthlyUsd) };
    setResult(null);
    await action.run(async () => setResult(await api<Estimate>('POST', '/estimate', body)));
  };
  const setOp = (i: number, patch: Partial<OperationDraft>) =>
    setOps(ops.map((o, j) => (j === i ? { ...o, ...patch } : o)));
  const detail = (error: ApiError | null, path: string) =>
    error?.details.find((d) => d.path === path)?.message;

  return (
    <>
      <h1>Estimate</h1>
      <Loaded load={models} what="the model catalog">
        {({ items }) => (
          <form class="card" noValidate onSubmit={submit}>
            <div class="fields">
              <div class="field">
                <label for="est-model">Model</label>
                <select
                  id="est-model"
                  value={modelId}
                  onChange={(e) => setModelId((e.target as HTMLSelectElement).value)}
                >
                  <option value="">Choose a model</option>
                  {items.map((m) => (
                    <option key={m.modelId} value={m.modelId}>
                      {m.name} ({m.modelId})
                    </option>
                  ))}
                </select>
                {detail(action.error, 'modelId') && (
                  <span class="field-error">{detail(action.error, 'modelId')}</span>
                )}
              </div>
              <div class="field">
                <label for="est-days">Days</label>
                <input
                  id="est-days"
                  type="number"
                  value={days}
                  onInput={(e) => setDays((e.target as HTMLInputElement).value)}
                />
              </div>
            </div>
            <fieldset>
              <legend>Operations</legend>
              {ops.map((o, i) => (
                <div class="fields" key={i}>
                  {(
                    [
                      ['name', 'Name', 'text'],
                      ['inputTokens', 'Input tokens per call', 'number'],
                      ['outputTokens', 'Output tokens per call', 'number'],
                      ['perDay', 'Calls per day', 'number'],
                    ] as const
                  ).map(([field, label, type]) => (
                    <div class="field" key={field}>
                      <label for={`op-${i}-${field}`}>{label}</label>
                      <input
                        id={`op-${i}-${field}`}
                        type={type}
                        value={o[field]}
                        onInput={(e) => setOp(i, { [field]: (e.target as HTMLInputElement).value })}
                      />
                      {detail(action.error, `operations.${i}.${field}`) && (
                        <span class="field-error">{detail(action.error, `operations.${i}.${field}`)}</span>
                      )}
                    </div>
                  ))}
                  {ops.length > 1 && (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => setOps(ops.filter((_, j) => j !== i))}
                    >
                      Remove operation {i + 1}
                    </button>
                  )}
                </div>
              ))}
              <button
                type="button"
                class="secondary"
                onClick={() => setOps([...ops, { name: '', inputTokens: '', outputTokens: '', perDay: '' }])}
              >
                Add operation
              </button>
            </fieldset>
            <div class="field">
              <label for="est-compare">Compare with (hold Ctrl or Shift to choose several)</label>
              <select
                id="est-compare"
                multiple
                size={5}
                onChange={(e) =>
                  setCompare(
                    [...(e.target as HTMLSelectElement).selectedOptions].map((option) => option.value),
                  )
                }
              >
                {items.map((m) => (
                  <option key={m.modelId} value={m.modelId} selected={compare.includes(m.modelId)}>
                    {m.name} ({m.modelId})
                  </option>
                ))}
              </select>
            </div>
            <div class="fields">
              <div class="field">
                <label for="est-li-name">Other monthly cost (name)</label>
                <input
                  id="est-li-name"
                  value={lineItem.name}
                  onInput={(e) => setLineItem({ ...lineItem, name: (e.target as HTMLInputElement).value })}
                />
              </div>
              <div class="field">
                <label for="est-li-usd">Other monthly cost (USD)</label>
                <input
                  id="est-li-usd"
                  type="number"
                  step="any"
                  value={lineItem.monthlyUsd}
                  onInput={(e) =>
                    setLineItem({ ...lineItem, monthlyUsd: (e.target as HTMLInputElement).value })
                  }
                />
              </div>
              <div class="field">
                <label for="est-sh-upfront">Self-hosted upfront (USD)</label>
                <input
                  id="est-sh-upfront"
                  type="number"
                  step="any"
                  value={selfHosted.upfrontUsd}
                  onInput={(e) =>
                    setSelfHosted({ ...selfHosted, upfrontUsd: (e.target as HTMLInputElement).value })
                  }
                />
              </div>
              <div class="field">
                <label for="est-sh-monthly">Self-hosted monthly (USD)</label>
                <input
                  id="est-sh-monthly"
                  type="number"
                  step="any"
                  value={selfHosted.monthlyUsd}
                  onInput={(e) =>
                    setSelfHosted({ ...selfHosted, monthlyUsd: (e.target as HTMLInputElement).value })
                  }
                />
              </div>
            </div>
            {action.error && <ErrorBox error={action.error} what="estimate" />}
            <button type="submit" disabled={action.busy}>
              {action.busy ? 'Estimating…' : 'Estimate'}
            </button>
          </form>
        )}
      </Loaded>
      {!result && !action.busy && !action.error && <Empty>Fill in the scenario and choose Estimate.</Empty>}
      {result && (
        <>
          <div class="stats">
            <Stat
              label={`Total for ${result.days} days`}
              value={usd(result.totals.totalUsd)}
              testId="estimate-total"
            />
            <Stat label="Model cost" value={usd(result.totals.llmCostUsd)} testId="estimate-llm" />
            <Stat label="Other costs" value={usd(result.totals.lineItemsUsd)} />
            <Stat
              label="Tokens (in / out)"
              value={`${count(result.totals.inputTokens)} / ${count(result.totals.outputTokens)}`}
            />
          </div>
          <div class="grid">
            <Section title="By operation" id="est-ops">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Operation</th>
                    <th scope="col" class="num">
                      Calls
                    </th>
                    <th scope="col" class="num">
                      Cost
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {result.byOperation.map((o) => (
                    <tr key={o.name}>
                      <td>{o.name}</td>
                      <td class="num">{count(o.calls)}</td>
                      <td class="num">{usd(o.costUsd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
            <Section title="Alternatives" id="est-alts">
              {result.alternatives.length === 0 ? (
                <Empty>No models to compare chosen.</Empty>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Model</th>
                      <th scope="col" class="num">
                        Model cost
                      </th>
                      <th scope="col" class="num">
                        Savings
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.alternatives.map((a) => (
                      <tr key={a.modelId} data-testid={`alt-${a.modelId}`}>
                        <td>
                          <code>{a.modelId}</code>
                        </td>
                        <td class="num">{usd(a.llmCostUsd)}</td>
                        <td class="num">
                          {usd(a.savingsUsd)} ({a.savingsPercent.toFixed(1)} %)
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Section>
          </div>
          <Section title="Self-hosting break-even" id="est-break-even">
            {result.selfHosted ? (
              <>
                <p data-testid="estimate-break-even">
                  {result.selfHosted.breakEvenMonths === null
                    ? 'Self-hosting never pays off at these costs'
                    : `Self-hosting pays off after ${result.selfHosted.breakEvenMonths.toFixed(1)} months`}
                  ; its first-year savings would be {usd(result.selfHosted.firstYearSavingsUsd)}.
                </p>
                <BreakEvenChart
                  estimate={result}
                  upfront={Number(selfHosted.upfrontUsd) || 0}
                  monthly={Number(selfHosted.monthlyUsd) || 0}
                />
              </>
            ) : (
              <Empty>Give self-hosted costs to see the break-even.</Empty>
            )}
          </Section>
        </>
      )}
    </>
  );
}
