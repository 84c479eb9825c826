import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import type { TenantUsageReader, UserStandingReader, UserTotals } from '../ports/read-stores.js';

export interface TenantUsersDeps {
  usage: TenantUsageReader;
  standing: UserStandingReader;
}

/** A user of the tenant with the range's totals and where the user stands. */
export interface TenantUser extends UserTotals {
  /** null when the user has no cost control configured. */
  controlLevel: string | null;
  openBreaches: number;
}

export interface TenantUsersPage {
  items: TenantUser[];
  /** Opaque; pass it back for the next page. Absent on the last page. */
  nextCursor?: string;
}

/** The list order: spend descending, then user id ascending (a total order: user ids are unique). */
export function bySpend(
  a: Pick<UserTotals, 'userId' | 'costNano'>,
  b: Pick<UserTotals, 'userId' | 'costNano'>,
) {
  if (a.costNano !== b.costNano) return b.costNano - a.costNano;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

/**
 * The users of a tenant with usage in `range`, by spend descending, `limit` at a time. A cursor
 * names the last user of the previous page (spend and id) with the tenant and range it belongs to,
 * so a page always starts strictly after it in the order, even when spend changed in between; a
 * cursor of another tenant or range is a 400.
 */
export async function listTenantUsers(
  deps: TenantUsersDeps,
  tenantId: string,
  range: { from: string; to: string },
  page: { limit: number; cursor?: string | undefined },
  now: Date,
): Promise<TenantUsersPage> {
  const after = page.cursor
    ? decodeCursor(
        page.cursor,
        (key) =>
          key.t === tenantId &&
          key.f === range.from &&
          key.to === range.to &&
          typeof key.c === 'number' &&
          Number.isSafeInteger(key.c) &&
          typeof key.u === 'string'
            ? { costNano: key.c, userId: key.u }
            : undefined,
        'list of users',
      )
    : undefined;
  const users = (await deps.usage.usersInRange(tenantId, range.from, range.to)).sort(bySpend);
  const start = after ? users.findIndex((u) => bySpend(u, after) > 0) : 0;
  const slice = start < 0 ? [] : users.slice(start, start + page.limit);
  const more = start >= 0 && start + page.limit < users.length;
  const [levels, breaches] =
    slice.length > 0
      ? await Promise.all([
          deps.standing.controlLevels(
            tenantId,
            slice.map((u) => u.userId),
            now,
          ),
          deps.standing.openBreaches(tenantId),
        ])
      : [new Map<string, string>(), new Map<string, number>()];
  const items = slice.map((u) => ({
    ...u,
    controlLevel: levels.get(u.userId) ?? null,
    openBreaches: breaches.get(u.userId) ?? 0,
  }));
  const last = slice[slice.length - 1];
  return {
    items,
    ...(more && last
      ? {
          nextCursor: encodeCursor({
            t: tenantId,
            f: range.from,
            to: range.to,
            c: last.costNano,
            u: last.userId,
          }),
        }
      : {}),
  };
}
