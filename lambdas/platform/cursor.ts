import { ValidationError } from '@cost-management/core';

/** A page cursor: the last key read, as opaque URL-safe text. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * The key inside a cursor, when `accept` says it belongs to the caller's own partition and range;
 * anything else (tampered, another tenant's, another range's) is a 400 naming the cursor.
 */
export function decodeCursor<K>(
  cursor: string,
  accept: (key: Record<string, unknown>) => K | undefined,
  what: string,
): K {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) {
      const accepted = accept(key as Record<string, unknown>);
      if (accepted !== undefined) return accepted;
    }
  } catch {
    // fall through
  }
  throw new ValidationError(`cursor is not valid for this ${what}.`, [
    { path: 'cursor', message: 'pass back the nextCursor of the previous page' },
  ]);
}
