import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The bounded contexts' boundaries, checked on the imports of every file under `lambdas/`:
 * - a context (usage, pricing, alerting, control, privacy) imports the platform, its own files, and of
 *   another context only that context's `ports/` (the interfaces the composition root wires);
 * - the platform imports no context;
 * - only `lambdas/functions/` (the composition roots) may import any context's adapters.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LAMBDAS = join(ROOT, 'lambdas');
const CONTEXTS = ['usage', 'pricing', 'alerting', 'control', 'privacy'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function relativeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
    relative(LAMBDAS, resolve(dirname(file), m[1] as string)),
  );
}

/** The top folder under `lambdas/` of a path relative to it, and the rest. */
const split = (path: string) => {
  const [top = '', ...rest] = path.split('/');
  return { top, rest: rest.join('/') };
};

describe('bounded contexts', () => {
  const files = sourceFiles(LAMBDAS).map((file) => ({ file, from: split(relative(LAMBDAS, file)) }));

  it('has the platform, the four contexts and the composition roots, nothing else', () => {
    expect(
      readdirSync(LAMBDAS)
        .filter((n) => statSync(join(LAMBDAS, n)).isDirectory())
        .sort(),
    ).toEqual(['alerting', 'control', 'functions', 'platform', 'pricing', 'privacy', 'usage']);
  });

  it('lets a context reach another context only through its ports', () => {
    const violations: string[] = [];
    for (const { file, from } of files) {
      if (!CONTEXTS.includes(from.top)) continue;
      for (const target of relativeImports(file)) {
        const to = split(target);
        if (to.top === from.top || to.top === 'platform' || target.startsWith('..')) continue;
        if (CONTEXTS.includes(to.top) && to.rest.startsWith('ports/')) continue;
        violations.push(`${relative(ROOT, file)} imports lambdas/${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps the platform free of any context', () => {
    const violations = files
      .filter(({ from }) => from.top === 'platform')
      .flatMap(({ file }) =>
        relativeImports(file)
          .filter((target) => split(target).top !== 'platform' && !target.startsWith('..'))
          .map((target) => `${relative(ROOT, file)} imports lambdas/${target}`),
      );
    expect(violations).toEqual([]);
  });
});
