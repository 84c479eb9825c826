import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'packages', 'core', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => ({
  path: relative(SRC, path),
  text: readFileSync(path, 'utf8'),
}));

describe('packages/core stays pure', () => {
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('imports nothing but its own modules (no AWS SDK, Powertools, CDK, node:fs, http …)', () => {
    const offenders = files.flatMap(({ path, text }) =>
      [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)]
        .map((m) => m[1] as string)
        .filter((spec) => !spec.startsWith('./') && !spec.startsWith('../'))
        .map((spec) => `${path}: ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps its own tests free of I/O: they import core, the test runner and property testing only', () => {
    const TESTS = join(SRC, '..', 'test');
    const allowed = new Set(['vitest', 'fast-check']);
    const offenders = sourceFiles(TESTS).flatMap((path) =>
      [...readFileSync(path, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)]
        .map((m) => m[1] as string)
        .filter((spec) => {
          if (allowed.has(spec)) return false;
          // A relative import must stay inside packages/core (no scripts, no fixtures on disk).
          return !spec.startsWith('.') || !resolve(dirname(path), spec).startsWith(join(SRC, '..'));
        })
        .map((spec) => `${relative(TESTS, path)}: ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('has no dynamic imports, require, process access, clock or randomness', () => {
    const forbidden = [
      /\bimport\s*\(/,
      /\brequire\s*\(/,
      /\bprocess\./,
      /Date\.now\s*\(/,
      /new Date\(\s*\)/,
      /Math\.random\s*\(/,
    ];
    const offenders = files.flatMap(({ path, text }) =>
      forbidden.filter((re) => re.test(text)).map((re) => `${path}: ${re.source}`),
    );
    expect(offenders).toEqual([]);
  });
});
