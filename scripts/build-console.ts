/**
 * Builds the web console (console/src) into console/dist: one minified ES module, one stylesheet
 * and the HTML pages. Fails when the JavaScript is over its budget.
 */
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const CONSOLE_JS_BUDGET_BYTES = 120 * 1024;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'console');
const src = join(root, 'src');
const out = join(root, 'dist');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: join(src, 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const page of ['index.html', 'blank.html']) await copyFile(join(src, page), join(out, page));

const js = (await stat(join(out, 'app.js'))).size;
const css = (await stat(join(out, 'app.css'))).size;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`console built: app.js ${kib(js)} (budget ${kib(CONSOLE_JS_BUDGET_BYTES)}), app.css ${kib(css)}`);
if (js > CONSOLE_JS_BUDGET_BYTES) {
  console.error('console: app.js is over its budget');
  process.exit(1);
}
