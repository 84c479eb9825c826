import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** The web console's sources: `console/src`, built into one ES module, one stylesheet and the pages. */
export const CONSOLE_SOURCE = fileURLToPath(new URL('../console/', import.meta.url));
/** Where `npm run console:build` writes the console (served by the local runtime). */
export const CONSOLE_DIST = join(CONSOLE_SOURCE, 'dist');
/** The budget of `app.js`, minified: the build fails above it. */
export const CONSOLE_JS_BUDGET_BYTES = 120 * 1024;

/**
 * Builds the console into `outDir` (emptied first): `app.js` (Preact, uPlot and the pages, one
 * minified ES module), `app.css`, `index.html` and `blank.html`. Synchronous, so the CDK can run it
 * as the local bundling of the console's asset. Throws when `app.js` is over its budget.
 */
export function buildConsole(outDir: string): { jsBytes: number; cssBytes: number } {
  const src = join(CONSOLE_SOURCE, 'src');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: { app: join(src, 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: outDir,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const page of ['index.html', 'blank.html']) copyFileSync(join(src, page), join(outDir, page));
  const jsBytes = statSync(join(outDir, 'app.js')).size;
  const cssBytes = statSync(join(outDir, 'app.css')).size;
  if (jsBytes > CONSOLE_JS_BUDGET_BYTES) {
    throw new Error(
      `console: app.js is ${(jsBytes / 1024).toFixed(1)} KiB, over its budget of ${CONSOLE_JS_BUDGET_BYTES / 1024} KiB`,
    );
  }
  return { jsBytes, cssBytes };
}
