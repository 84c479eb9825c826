import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type AlertingConfig, type ApiError, api, enc, type Threshold } from '../api';
import { usd, viewerZone } from '../format';
import { Empty, ErrorBox, Loaded, Section, UserPicker, useAction, useApi } from '../ui';

interface ThresholdDraft {
  name: string;
  type: Threshold['type'];
  period: Threshold['period'];
  limitUsd: string;
  warningPercent: string;
  emergencyPercent: string;
  changePercent: string;
  timezone: string;
  channels: string[];
  enabled: boolean;
}

const EMPTY: ThresholdDraft = {
  name: '',
  type: 'absolute',
  period: 'monthly',
  limitUsd: '',
  warningPercent: '80',
  emergencyPercent: '150',
  changePercent: '50',
  timezone: 'UTC',
  channels: ['email'],
  enabled: true,
};

function draftOf(t: Threshold): ThresholdDraft {
  return {
    name: t.name,
    type: t.type,
    period: t.period,
    limitUsd: String(t.limitUsd),
    warningPercent: String(t.warningPercent),
    emergencyPercent: String(t.emergencyPercent),
    changePercent: String(t.changePercent),
    timezone: t.timezone,
    channels: t.channels,
    enabled: t.enabled,
  };
}

/** A number field as the API should see it: the number typed, or the text when it is not one. */
function numberOrText(value: string): number | string | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

function bodyOf(d: ThresholdDraft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: d.name,
    type: d.type,
    period: d.period,
    limitUsd: numberOrText(d.limitUsd),
    warningPercent: numberOrText(d.warningPercent),
    emergencyPercent: numberOrText(d.emergencyPercent),
    timezone: d.timezone,
    channels: d.channels,
    enabled: d.enabled,
  };
  if (d.type === 'percentage') body.changePercent = numberOrText(d.changePercent);
  return body;
}

/** The API's message for one field, if it named that field. */
function fieldError(error: ApiError | null, field: string): string | undefined {
  return error?.details.find((d) => d.path === field || d.path.startsWith(`${field}.`))?.message;
}

function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {error && (
        <span class="field-error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

function ThresholdForm({
  prefix,
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  prefix: string;
  initial: ThresholdDraft;
  submitLabel: string;
  onSubmit: (body: Record<string, unknown>) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const [d, setD] = useState(initial);
  const action = useAction();
  const set = (patch: Partial<ThresholdDraft>) => setD({ ...d, ...patch });
  const input = (name: keyof ThresholdDraft, label: string, type = 'text') => {
    const id = `${prefix}-${name}`;
    const error = fieldError(action.error, name);
    return (
      <Field id={id} label={label} error={error}>
        <input
          id={id}
          type={type}
          step={type === 'number' ? 'any' : undefined}
          value={d[name] as string}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onInput={(e) => set({ [name]: (e.target as HTMLInputElement).value })}
        />
      </Field>
    );
  };
  return (
    <form
      class="threshold-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        if (await action.run(() => onSubmit(bodyOf(d)))) {
          if (!onCancel) setD(initial);
        }
      }}
    >
      <div class="fields">
        {input('name', 'Name')}
        <Field id={`${prefix}-type`} label="Type" error={fieldError(action.error, 'type')}>
          <select
            id={`${prefix}-type`}
            value={d.type}
            onChange={(e) => set({ type: (e.target as HTMLSelectElement).value as Threshold['type'] })}
          >
            <option value="absolute">absolute: spend in the period</option>
            <option value="forecast">forecast: projected end of period</option>
            <option value="percentage">percentage: change against the previous period</option>
          </select>
        </Field>
        <Field id={`${prefix}-period`} label="Period" error={fieldError(action.error, 'period')}>
          <select
            id={`${prefix}-period`}
            value={d.period}
            onChange={(e) => set({ period: (e.target as HTMLSelectElement).value as Threshold['period'] })}
          >
            <option value="daily">daily</option>
            <option value="weekly">weekly</option>
            <option value="monthly">monthly</option>
          </select>
        </Field>
        {input('limitUsd', 'Limit (USD)', 'number')}
        {input('warningPercent', 'Warning at (% of limit)', 'number')}
        {input('emergencyPercent', 'Emergency at (% of limit)', 'number')}
        {d.type === 'percentage' && input('changePercent', 'Change that breaches (%)', 'number')}
        {input('timezone', `Time zone of the period (yours: ${viewerZone})`)}
        <fieldset class={fieldError(action.error, 'channels') ? 'invalid' : ''}>
          <legend>Channels</legend>
          {['email', 'sms', 'webhook'].map((c) => (
            <label key={c} class="check">
              <input
                type="checkbox"
                checked={d.channels.includes(c)}
                onChange={(e) =>
                  set({
                    channels: (e.target as HTMLInputElement).checked
                      ? [...d.channels, c]
                      : d.channels.filter((x) => x !== c),
                  })
                }
              />{' '}
              {c}
            </label>
          ))}
          {fieldError(action.error, 'channels') && (
            <span class="field-error">{fieldError(action.error, 'channels')}</span>
          )}
        </fieldset>
        <label class="check">
          <input
            type="checkbox"
            checked={d.enabled}
            onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })}
          />{' '}
          Enabled
        </label>
      </div>
      {action.error && <ErrorBox error={action.error} what="save the threshold" />}
      <div class="buttons">
        <button type="submit" disabled={action.busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function ThresholdRow({ t, onChanged }: { t: Threshold; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const action = useAction();
  if (editing) {
    return (
      <li class="card inner">
        <h3>Edit “{t.name}”</h3>
        <ThresholdForm
          prefix={`edit-${t.thresholdId}`}
          initial={draftOf(t)}
          submitLabel="Save threshold"
          onSubmit={async (body) => {
            await api('PUT', `/thresholds/${enc(t.thresholdId)}`, body);
            setEditing(false);
            onChanged();
          }}
          onCancel={() => setEditing(false)}
        />
      </li>
    );
  }
  return (
    <li class="threshold" data-testid={`threshold-${t.name}`}>
      <div>
        <strong>{t.name}</strong> {t.enabled ? '' : <span class="badge muted">disabled</span>}
        <div class="muted">
          {t.type}, {t.period} in {t.timezone}: limit {usd(t.limitUsd)}, warning at {t.warningPercent} %,
          emergency at {t.emergencyPercent} %{t.type === 'percentage' ? `, change ${t.changePercent} %` : ''}{' '}
          · {t.channels.join(', ')}
        </div>
      </div>
      <div class="buttons">
        <button type="button" class="secondary" onClick={() => setEditing(true)}>
          Edit<span class="sr-only"> {t.name}</span>
        </button>
        <button
          type="button"
          class="secondary"
          disabled={action.busy}
          onClick={async () => {
            if (
              await action.run(() => api('PUT', `/thresholds/${enc(t.thresholdId)}`, { enabled: !t.enabled }))
            )
              onChanged();
          }}
        >
          {t.enabled ? 'Disable' : 'Enable'}
          <span class="sr-only"> {t.name}</span>
        </button>
      </div>
      {action.error && <ErrorBox error={action.error} what="change the threshold" />}
    </li>
  );
}

function Contacts({ userId }: { userId: string }) {
  const [load, reload] = useApi<AlertingConfig>(`/alerting/${enc(userId)}`);
  return (
    <Section title="Contacts" id="t-contacts">
      {load.state === 'error' && load.error.status === 404 ? (
        <ContactsForm userId={userId} initial={null} onSaved={reload} />
      ) : (
        <Loaded load={load} what="contacts">
          {(c) => <ContactsForm key={JSON.stringify(c)} userId={userId} initial={c} onSaved={reload} />}
        </Loaded>
      )}
    </Section>
  );
}

function ContactsForm({
  userId,
  initial,
  onSaved,
}: {
  userId: string;
  initial: AlertingConfig | null;
  onSaved: () => void;
}) {
  const [c, setC] = useState({
    email: initial?.email ?? '',
    phone: initial?.phone ?? '',
    webhookUrl: initial?.webhookUrl ?? '',
    webhookSecret: '',
  });
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const field = (name: keyof typeof c, label: string, type = 'text') => {
    const id = `contact-${name}`;
    const error = fieldError(action.error, name);
    return (
      <Field id={id} label={label} error={error}>
        <input
          id={id}
          type={type}
          value={c[name]}
          autocomplete="off"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onInput={(e) => setC({ ...c, [name]: (e.target as HTMLInputElement).value })}
        />
      </Field>
    );
  };
  return (
    <form
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const body: Record<string, string> = {};
        for (const [k, v] of Object.entries(c)) if (v.trim() !== '') body[k] = v.trim();
        if (await action.run(() => api('PUT', `/alerting/${enc(userId)}`, body))) {
          setSaved(true);
          onSaved();
        }
      }}
    >
      {!initial && <Empty>No contacts yet.</Empty>}
      <div class="fields">
        {field('email', 'E-mail')}
        {field('phone', 'Phone (E.164, e.g. +4915112345678)')}
        {field('webhookUrl', 'Webhook URL (https)')}
        {field(
          'webhookSecret',
          initial?.webhookSecretSet ? 'New webhook secret (one is set)' : 'Webhook secret (16+ characters)',
          'password',
        )}
      </div>
      {action.error && <ErrorBox error={action.error} what="save the contacts" />}
      {saved && (
        <p class="ok" role="status">
          Contacts saved.
        </p>
      )}
      <button type="submit" disabled={action.busy}>
        Save contacts
      </button>
    </form>
  );
}

export function ThresholdsPage({ userId }: { userId: string }) {
  const [load, reload] = useApi<{ items: Threshold[] }>(userId ? `/thresholds/${enc(userId)}` : null);
  if (!userId) {
    return (
      <>
        <h1>Thresholds and contacts</h1>
        <UserPicker initial="" label="User id" target={(id) => `#/thresholds/${enc(id)}`} />
      </>
    );
  }
  return (
    <>
      <h1>
        Thresholds and contacts of <span data-testid="user-id">{userId}</span>
      </h1>
      <UserPicker initial={userId} label="Another user id" target={(id) => `#/thresholds/${enc(id)}`} />
      <p>
        <a href={`#/users/${enc(userId)}`}>Spend of {userId}</a>
      </p>
      <Section title="Thresholds" id="t-list">
        <Loaded load={load} what="thresholds">
          {({ items }) =>
            items.length === 0 ? (
              <Empty>No thresholds yet.</Empty>
            ) : (
              <ul class="plain thresholds">
                {items.map((t) => (
                  <ThresholdRow key={t.thresholdId} t={t} onChanged={reload} />
                ))}
              </ul>
            )
          }
        </Loaded>
      </Section>
      <Section title="New threshold" id="t-new">
        <ThresholdForm
          prefix="new"
          initial={EMPTY}
          submitLabel="Create threshold"
          onSubmit={async (body) => {
            await api('POST', '/thresholds', { userId, ...body });
            reload();
          }}
        />
      </Section>
      <Contacts userId={userId} />
    </>
  );
}
