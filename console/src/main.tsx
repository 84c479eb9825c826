import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, loadConfig, storedKey, storeKey } from './api';
import { EstimatePage } from './pages/estimate';
import { OverviewPage } from './pages/overview';
import { ThresholdsPage } from './pages/thresholds';
import { UserPage } from './pages/user';
import { parseHash, type Route } from './router';
import { ErrorBox, useAction } from './ui';
import './styles.css';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    storeKey(key.trim());
    const ok = await action.run(() => api('GET', '/openapi.json'));
    if (ok) onSignedIn();
    else storeKey(null);
  };
  return (
    <main id="main" class="signin">
      <h1>Cost console</h1>
      <p>Sign in with an API key of your tenant. The key stays in this browser tab only.</p>
      <form onSubmit={submit} class="card">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={action.busy || key.trim() === ''}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
        {action.error && <ErrorBox error={action.error} what="sign in" />}
      </form>
    </main>
  );
}

const PAGES: { page: Route['page']; label: string; href: (r: Route) => string }[] = [
  { page: 'overview', label: 'Overview', href: () => '#/overview' },
  { page: 'user', label: 'User', href: (r) => `#/users/${encodeURIComponent(r.userId)}` },
  {
    page: 'thresholds',
    label: 'Thresholds & contacts',
    href: (r) => `#/thresholds/${encodeURIComponent(r.userId)}`,
  },
  { page: 'estimate', label: 'Estimate', href: () => '#/estimate' },
];

function App() {
  const [signedIn, setSignedIn] = useState(() => storedKey() !== null);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    // A new page: move focus to its content, as a page load would.
    main.current?.focus();
  }, [route.page, route.userId]);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return (
    <>
      <button type="button" class="skip" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">Cost console</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.page}>
                <a href={p.href(route)} aria-current={route.page === p.page ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          class="secondary signout"
          onClick={() => {
            storeKey(null);
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {route.page === 'overview' && <OverviewPage route={route} />}
        {route.page === 'user' && (
          <UserPage key={route.userId} userId={route.userId} breach={route.query.get('breach')} />
        )}
        {route.page === 'thresholds' && <ThresholdsPage key={route.userId} userId={route.userId} />}
        {route.page === 'estimate' && <EstimatePage />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) void loadConfig().then(() => render(<App />, root));
