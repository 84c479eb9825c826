import { vi } from 'vitest';

/**
 * Collects the EMF lines Powertools Metrics writes to stdout into `into` (and keeps them off the
 * console); `vi.restoreAllMocks()` ends it.
 */
export function captureEmf(into: Record<string, unknown>[]): void {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      if (line.includes('"_aws"')) into.push(JSON.parse(line) as Record<string, unknown>);
    }
    return true;
  });
}
