/**
 * Builds the web console (console/src) into console/dist: one minified ES module, one stylesheet
 * and the HTML pages. Fails when the JavaScript is over its budget.
 */
import { buildConsole, CONSOLE_DIST, CONSOLE_JS_BUDGET_BYTES } from '../lib/console-build.js';

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
try {
  const { jsBytes, cssBytes } = buildConsole(CONSOLE_DIST);
  console.log(
    `console built: app.js ${kib(jsBytes)} (budget ${kib(CONSOLE_JS_BUDGET_BYTES)}), app.css ${kib(cssBytes)}`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
