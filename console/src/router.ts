export interface Route {
  page: 'overview' | 'user' | 'thresholds' | 'estimate';
  userId: string;
  query: URLSearchParams;
}

/** `#/overview?from=…&to=…`, `#/users/{id}` (`?breach={breachId}` highlights one), `#/thresholds/{id}`, `#/estimate`. */
export function parseHash(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const query = new URLSearchParams(search);
  const userId = decodeURIComponent(parts[1] ?? '');
  if (parts[0] === 'users') return { page: 'user', userId, query };
  if (parts[0] === 'thresholds') return { page: 'thresholds', userId, query };
  if (parts[0] === 'estimate') return { page: 'estimate', userId: '', query };
  return { page: 'overview', userId: '', query };
}

export function go(hash: string): void {
  window.location.hash = hash;
}
