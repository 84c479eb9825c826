import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api';

export type Load<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ok'; data: T };

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'CLIENT', String(error));
}

/** GETs `path` (null: nothing to load) and reloads when it changes or `reload` is called. */
export function useApi<T>(path: string | null): [Load<T>, () => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoad({ state: 'loading' });
    api<T>('GET', path).then(
      (data) => live && setLoad({ state: 'ok', data }),
      (error: unknown) => live && setLoad({ state: 'error', error: asApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return [load, useCallback(() => setTick((t) => t + 1), [])];
}

/** Runs a write; remembers its error (shown by the caller) and whether it is under way. */
export function useAction(): {
  busy: boolean;
  error: ApiError | null;
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(asApiError(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** An API error as a person reads it: what happened, the API's message, each bad field. */
export function ErrorBox({ error, what }: { error: ApiError; what?: string }) {
  const lead =
    error.status === 403
      ? 'Your API key’s role may not do this.'
      : error.status === 401
        ? 'The API key was refused; sign in again.'
        : what
          ? `Could not ${what}.`
          : 'Something went wrong.';
  return (
    <div class="error" role="alert">
      <strong>{lead}</strong> <span class="code">{error.code}</span>: {error.message}
      {error.details.length > 0 && (
        <ul class="error-details">
          {error.details.map((d) => (
            <li key={d.path}>
              <code>{d.path}</code>: {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Renders `children(data)` once loaded, a loading line before, the error instead. */
export function Loaded<T>({
  load,
  what,
  children,
}: {
  load: Load<T>;
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  if (load.state === 'loading') return <Loading what={what} />;
  if (load.state === 'error') return <ErrorBox error={load.error} what={`load ${what}`} />;
  return <>{children(load.data)}</>;
}

export function Section({ title, id, children }: { title: string; id: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={id} class="card">
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** A labelled user id field that opens a page of that user. */
export function UserPicker({
  initial,
  target,
  label,
}: {
  initial: string;
  target: (userId: string) => string;
  label: string;
}) {
  const [value, setValue] = useState(initial);
  return (
    <form
      class="picker"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) window.location.hash = target(value.trim());
      }}
    >
      <label for="user-picker">{label}</label>
      <input
        id="user-picker"
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        placeholder="e.g. alice"
        autocomplete="off"
      />
      <button type="submit">Open</button>
    </form>
  );
}
